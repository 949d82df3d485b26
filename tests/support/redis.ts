import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** The Redis tests run against: the machine's unless TEST_REDIS_URL says otherwise. */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A fresh key prefix for one test, and its keys deleted after it (never anything else in Redis).
 *
 * @example const env = { REDIS_URL, REDIS_KEY_PREFIX: redisPrefix(t) };
 */
export function redisPrefix(t: { teardown(fn: () => unknown): void }): string {
  const prefix = `test:${randomBytes(6).toString('hex')}:`;
  t.teardown(async () => {
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });
  return prefix;
}
