/**
 * Tokens whose signature and claims were verified, until they expire: an ES256 verification costs
 * more than the rest of a small request. Keyed by the whole token string, so only the very token
 * that was verified hits. Nothing about the client is cached here: the registry (disabled client,
 * withdrawn scope) and the consents are read at every request, so revocation stays immediate.
 * Bounded: the oldest entry leaves when the cache is full.
 */
export class VerifiedTokenCache<T> {
  private readonly entries = new Map<string, { value: T; notBefore: number; expires: number }>();

  constructor(private readonly maxEntries: number) {}

  /**
   * The cached verification when the token is still valid at `nowSeconds` by the same rule as the
   * verifier (`nbf` ≤ now + tolerance, `exp` > now − tolerance); undefined means verify it again.
   */
  get(token: string, nowSeconds: number): T | undefined {
    const e = this.entries.get(token);
    if (!e) return undefined;
    if (nowSeconds < e.notBefore || nowSeconds >= e.expires) {
      if (nowSeconds >= e.expires) this.entries.delete(token);
      return undefined;
    }
    return e.value;
  }

  /** `notBefore` / `expires` in epoch seconds, tolerance already applied (valid while notBefore ≤ now < expires). */
  set(token: string, value: T, notBefore: number, expires: number): void {
    if (this.maxEntries <= 0) return;
    this.entries.delete(token);
    while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { value, notBefore, expires });
  }

  get size(): number {
    return this.entries.size;
  }
}
