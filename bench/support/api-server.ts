/**
 * The SubStream API under test in the HTTP benches, in a child process of its own
 * (server-process.ts). BENCH_API_CONFIG holds, as JSON, the variables given to `loadConfig` over
 * the bench defaults below (only those: the rest of the environment does not configure it);
 * DATABASE_URL and JWT_SECRET are required.
 */
import { randomBytes } from 'node:crypto';
import { Keypair } from '@stellar/stellar-sdk';
import { buildApp } from '../../api/app.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { loadConfig } from '../../platform/config.ts';
import { createDb, poolOf } from '../../platform/database.ts';
import { serveParent } from './serve-parent.ts';

const config = loadConfig({
  LOG_LEVEL: 'silent',
  SEP10_SIGNING_SECRET: Keypair.random().secret(),
  API_KEY_PEPPER: randomBytes(32).toString('hex'),
  // The rate limiter stays on (its cost is part of every request) but never refuses one.
  RATE_LIMIT_PER_MINUTE: '1000000000',
  ...JSON.parse(process.env.BENCH_API_CONFIG!),
});
const db = createDb({ url: config.DATABASE_URL!, max: config.DATABASE_POOL_MAX, applicationName: 'substream-bench' });
const app = await buildApp({ services: { config, db, eventStore: createPostgresEventStore(db), jwtSecret: config.JWT_SECRET! } });
const pool = poolOf(db);
await serveParent(app, () => db.destroy(), () => ({ poolTotal: pool?.totalCount ?? 0, poolWaiting: pool?.waitingCount ?? 0 }));
