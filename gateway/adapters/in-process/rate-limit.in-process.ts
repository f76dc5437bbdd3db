import { retryAfter, type RateLimit, type RateLimitBuckets, type RateTake } from '../../ports/rate-limit.port.js';

/** Token buckets in this process's memory: the embedded profile's (one process serves every request). */
export class InProcessRateLimits implements RateLimitBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  async take(clientId: string, limit: RateLimit, now: number): Promise<RateTake> {
    const b = this.buckets.get(clientId) ?? { tokens: limit.burst, at: now };
    // A clock stepping back never refills (nor drains) a bucket.
    b.tokens = Math.min(limit.burst, b.tokens + (Math.max(0, now - b.at) / 1000) * limit.perSecond);
    b.at = Math.max(b.at, now);
    this.buckets.set(clientId, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: retryAfter(b.tokens, limit) };
  }
}
