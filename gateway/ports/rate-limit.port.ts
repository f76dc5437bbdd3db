/** A client's allowance: up to `burst` requests at once, refilled at `perSecond`. */
export interface RateLimit {
  burst: number;
  perSecond: number;
}

export type RateTake = { ok: true } | { ok: false; retryAfterSeconds: number };

/** Seconds until one whole token is back, rounded up, at least 1 (what Retry-After says); the same for every backend. */
export const retryAfter = (tokens: number, limit: RateLimit): number =>
  Math.max(1, Math.ceil((1 - tokens) / limit.perSecond));

/**
 * Token buckets per client. One set of buckets for every gateway instance that serves the same
 * clients: a limit counted per instance would let a client through N times over behind a load balancer.
 */
export interface RateLimitBuckets {
  /** Takes one token from the client's bucket; when there is none, how long to wait (seconds, rounded up). */
  take(clientId: string, limit: RateLimit, now: number): Promise<RateTake>;
}
