import { Account, Keypair, MuxedAccount, StrKey } from '@stellar/stellar-sdk';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { loadConfig } from '../../platform/config.ts';
import { createDb, poolOptions } from '../../platform/database.ts';
import { signToken } from '../../platform/tokens.ts';
import { testDatabase, type TestDatabase } from './database.ts';
import { loginRoleUrl } from './login-roles.ts';

export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-characters-long';
export const TEST_CONTRACT_ID = StrKey.encodeContract(Buffer.alloc(32, 7));
/** The SEP-10 server key of test apps (tests build challenges of their own with it). */
export const TEST_SEP10_KEYPAIR = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 10));
const TEST_API_KEY_PEPPER = 'test-api-key-pepper-at-least-32-characters';

/**
 * Whom test apps connect as: `api` (default), a login role whose only membership is
 * `substream_api`, as in production; `owner` (TEST_APP_ROLE=owner), the tests' superuser that ran
 * the migrations, to tell a missing grant apart from a bug.
 */
export type TestAppRole = 'api' | 'owner';
const DEFAULT_ROLE: TestAppRole = process.env.TEST_APP_ROLE === 'owner' ? 'owner' : 'api';

export interface TestApp {
  app: FastifyInstance;
  database: TestDatabase;
  token(sub: string, tenant?: string, ttlSeconds?: number): Promise<string>;
}

/**
 * The real API on a fresh real database, for `app.inject` (pass `database` for a second
 * instance on the same one), connected as the API's login role (`role`, default TEST_APP_ROLE or
 * `api`) on a pool of its own configured like `serve`'s, closed at teardown; `database.db` stays
 * the owner's, for seeding and inspecting. With `DATABASE_URL` in `env` (e.g. through a fault
 * proxy) the app connects to that URL instead, as whoever it names.
 *
 * @example const { app, token } = await testApp(t);
 */
export async function testApp(
  t: { teardown(fn: () => unknown): void },
  env: Record<string, string> = {},
  options: { database?: TestDatabase; role?: TestAppRole } = {},
): Promise<TestApp> {
  const database = options.database ?? (await testDatabase(t));
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    JWT_SECRET: TEST_JWT_SECRET,
    SUBSTREAM_CONTRACT_ID: TEST_CONTRACT_ID,
    SEP10_SIGNING_SECRET: TEST_SEP10_KEYPAIR.secret(),
    API_KEY_PEPPER: TEST_API_KEY_PEPPER,
    ...env,
  });
  const role = options.role ?? DEFAULT_ROLE;
  const url = env.DATABASE_URL ?? (role === 'api' ? await loginRoleUrl('substream_api', database.url) : undefined);
  const db = url ? createDb(poolOptions(config, url, 'api')) : database.db;
  const eventStore = createPostgresEventStore(db);
  const app = await buildApp({ services: { config, db, eventStore, jwtSecret: TEST_JWT_SECRET } });
  t.teardown(async () => {
    await app.close();
    if (db !== database.db) await db.destroy();
  });
  return {
    app,
    database,
    token: (sub, tenant, ttlSeconds = 3600) => signToken(TEST_JWT_SECRET, { sub, tenant }, ttlSeconds),
  };
}

/** A fresh, valid Stellar account address. */
export function randomAccount(): string {
  return Keypair.random().publicKey();
}

/** A fresh muxed account (M…): a user of a shared account, which acts for no creator. */
export function randomMuxedAccount(): string {
  return new MuxedAccount(new Account(randomAccount(), '0'), '7').accountId();
}
