/**
 * WS-Security nonces seen within their replay window. One registry for every gateway instance:
 * a token replayed to another instance is a replay all the same.
 */
export interface NonceRegistry {
  /** 'fresh' (and remembered until expiresAt), 'replayed' when still remembered, 'full' when no room is left. */
  remember(key: string, expiresAt: Date, now: Date): Promise<'fresh' | 'replayed' | 'full'>;
}
