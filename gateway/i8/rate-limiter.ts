/**
 * Token bucket per client, in memory: enough for the embedded profile (one process). A cluster
 * would keep buckets in a shared store; the interface stays `take(client, now)`.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly limitFor: (clientId: string) => { burst: number; perSecond: number }) {}

  /** Takes one token; answers how long to wait (seconds, rounded up) when there is none. */
  take(clientId: string, now: number): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const { burst, perSecond } = this.limitFor(clientId);
    const b = this.buckets.get(clientId) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    this.buckets.set(clientId, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / perSecond)) };
  }
}
