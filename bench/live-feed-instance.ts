/**
 * One API instance for the live-feed bench (a child process, so its RSS is its own): listens on a
 * free port, sends `{ port }` to the parent, and answers `'rss'` with its peak RSS in bytes.
 */
import { buildApp } from '../api/app.ts';
import { createPostgresEventStore } from '../eventstore/postgres/store.ts';
import { loadConfig } from '../platform/config.ts';
import { createDb } from '../platform/database.ts';
import { TEST_CONTRACT_ID, TEST_JWT_SECRET, TEST_SEP10_KEYPAIR } from '../tests/support/app.ts';

const config = loadConfig({
  LOG_LEVEL: 'warn',
  JWT_SECRET: TEST_JWT_SECRET,
  SUBSTREAM_CONTRACT_ID: TEST_CONTRACT_ID,
  SEP10_SIGNING_SECRET: TEST_SEP10_KEYPAIR.secret(),
  API_KEY_PEPPER: 'bench-api-key-pepper-at-least-32-characters',
  RATE_LIMIT_PER_MINUTE: '1000000',
  DATABASE_URL: process.env.BENCH_INSTANCE_DATABASE_URL!,
  REDIS_URL: process.env.BENCH_INSTANCE_REDIS_URL!,
  REDIS_KEY_PREFIX: process.env.BENCH_INSTANCE_REDIS_PREFIX!,
});
const db = createDb({ url: config.DATABASE_URL!, max: 4 });
const app = await buildApp({ services: { config, db, eventStore: createPostgresEventStore(db), jwtSecret: TEST_JWT_SECRET } });
await app.listen({ port: 0, host: '127.0.0.1' });
process.send!({ port: (app.server.address() as { port: number }).port });
process.on('message', async (message) => {
  if (message === 'rss') process.send!({ peakRss: process.resourceUsage().maxRSS * 1024 });
  if (message === 'stop') {
    await app.close();
    await db.destroy();
    process.exit(0);
  }
});
