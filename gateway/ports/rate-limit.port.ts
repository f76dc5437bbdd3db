/** A client's allowance: up to `burst` requests at once, refilled at `perSecond`. */
export interface RateLimit {
  burst: number;
  perSecond: number;
}

export type RateTake = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Token buckets per client. One set of buckets for every gateway instance that serves the same
 * clients: a limit counted per instance would let a client through N times over behind a load balancer.
 */
export interface RateLimitBuckets {
  /** Takes one token from the client's bucket; when there is none, how long to wait (seconds, rounded up). */
  take(clientId: string, limit: RateLimit, now: number): Promise<RateTake>;
}
