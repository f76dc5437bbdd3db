import { InProcessRateLimits } from '../../gateway/adapters/in-process/rate-limit.in-process.js';
import { rateLimitContract } from './rate-limit.contract.js';

rateLimitContract('in-process', async () => {
  const buckets = new InProcessRateLimits();
  return { a: buckets, b: buckets, close: async () => undefined };
});
