/**
 * Values every gateway instance must agree on (the I8 token signing key): made once by whoever
 * asks first and read by everyone after, so tokens issued by one instance verify on the others.
 */
export interface SharedSecrets {
  /** The value stored under `name`, or `make()`'s, stored by the first caller; concurrent callers get the same value. */
  getOrCreate(name: string, make: () => string): Promise<string>;
}
