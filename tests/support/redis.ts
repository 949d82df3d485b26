import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** The Redis tests run against: the machine's unless TEST_REDIS_URL says otherwise. */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Whether Redis answers PING at `url` within a second: `false` when it does, else why not. */
async function unreachable(url: string): Promise<false | string> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let cause = '';
  redis.on('error', (error: Error) => void (cause ||= error.message));
  try {
    await redis.connect();
    await redis.ping();
    return false;
  } catch (error) {
    return `Redis is not reachable at ${url} (${cause || (error as Error).message}): start redis-server or set TEST_REDIS_URL`;
  } finally {
    redis.disconnect();
  }
}

/**
 * `false` when Redis is reachable, else why the tests that need it skip: pass it as tap's `skip`
 * option, which prints the reason and counts the skip in the summary.
 *
 * @example t.test('two instances share Redis', { skip: redisSkip }, async (t) => { ... });
 */
export const redisSkip: false | string = await unreachable(REDIS_URL);

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
