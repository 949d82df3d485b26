import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import t from 'tap';
import { runIdempotencySweeper, sweepIdempotencyKeys } from '../../api/idempotency-retention.ts';
import { loadConfig } from '../../platform/config.ts';
import { randomAccount, testApp } from '../support/app.ts';
import { testDatabase } from '../support/database.ts';
import type { Db } from '../../platform/database.ts';

/** Stores `count` records under `principal`, created (and completed, unless `open`) `hoursAgo` hours ago. */
async function seed(db: Db, principal: string, count: number, hoursAgo: number, open = false): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    await sql`
      insert into idempotency_keys (principal, key, request_hash, method, path, status_code, response_body, created_at, completed_at)
      values (${principal}, ${`k${hoursAgo}-${i}`}, 'h', 'POST', '/v1/x', ${open ? null : 201}, ${open ? null : '{}'},
              now() - make_interval(hours => ${hoursAgo}), ${open ? null : sql`now() - make_interval(hours => ${hoursAgo})`})`.execute(db);
  }
}

const keysOf = async (db: Db, principal: string) =>
  (await db.selectFrom('idempotency_keys').select('key').where('principal', '=', principal).orderBy('key').execute()).map((row) => row.key);

t.test('IDEMPOTENCY_RETENTION_HOURS defaults to the 24 h the README promises and refuses nonsense', async (t) => {
  t.equal(loadConfig({}).IDEMPOTENCY_RETENTION_HOURS, 24);
  t.equal(loadConfig({ IDEMPOTENCY_RETENTION_HOURS: '48' }).IDEMPOTENCY_RETENTION_HOURS, 48);
  for (const bad of ['0', '-1', '1.5', 'forever']) t.throws(() => loadConfig({ IDEMPOTENCY_RETENTION_HOURS: bad }), bad);
});

t.test('a sweep deletes records past retention in bounded batches and keeps the rest', async (t) => {
  const { db } = await testDatabase(t);
  const principal = randomAccount();
  await seed(db, principal, 23, 30);
  await seed(db, principal, 2, 25, true);
  await seed(db, principal, 4, 2);
  await seed(db, principal, 1, 0, true);

  const result = await sweepIdempotencyKeys(db, { retentionHours: 24, batchSize: 10 });
  t.equal(result.deleted, 25, 'the 23 completed and 2 abandoned records older than 24 h');
  t.equal(result.batches, 3, 'three statements of at most 10 rows');
  t.same(await keysOf(db, principal), ['k0-0', 'k2-0', 'k2-1', 'k2-2', 'k2-3'], 'records within retention stay');
  t.same(await sweepIdempotencyKeys(db, { retentionHours: 24, batchSize: 10 }), { deleted: 0, batches: 1 }, 'nothing left to delete');

  const shorter = await sweepIdempotencyKeys(db, { retentionHours: 1, batchSize: 10 });
  t.equal(shorter.deleted, 4, 'a shorter retention deletes the completed 2 h records');
  t.same(await keysOf(db, principal), ['k0-0'], 'the claim just made stays');
});

t.test('past retention the key is free: the same key with another body runs instead of 422', async (t) => {
  const { app, token, database } = await testApp(t, { IDEMPOTENCY_RETENTION_HOURS: '1' });
  const creator = randomAccount();
  const authorization = `Bearer ${await token(creator, creator)}`;
  const register = (displayName: string) =>
    app.inject({ method: 'POST', url: '/v1/creators', headers: { authorization, 'idempotency-key': 'retention-key' }, payload: { displayName } });
  t.equal((await register('First')).statusCode, 201);
  t.equal((await register('Second')).statusCode, 422, 'within retention: IDEMPOTENCY.KEY_REUSED');
  t.equal((await register('Second')).json().code, 'IDEMPOTENCY.KEY_REUSED');

  await sql`update idempotency_keys set created_at = created_at - interval '2 hours', completed_at = completed_at - interval '2 hours'`.execute(database.db);
  const swept = await sweepIdempotencyKeys(database.db, { retentionHours: app.services.config.IDEMPOTENCY_RETENTION_HOURS });
  t.equal(swept.deleted, 1);
  const again = await register('Second');
  t.not(again.json().code, 'IDEMPOTENCY.KEY_REUSED', 'the expired key is claimed afresh');
  t.not(again.headers['idempotent-replayed'], 'true');
});

t.test('the periodic sweeper deletes on its first round, keeps going, and stops on abort', async (t) => {
  const { db } = await testDatabase(t);
  const principal = randomAccount();
  await seed(db, principal, 3, 48);
  const stop = new AbortController();
  const running = runIdempotencySweeper(db, { retentionHours: 24, intervalMs: 50, signal: stop.signal });
  for (let i = 0; i < 100 && (await keysOf(db, principal)).length > 0; i += 1) await sleep(20);
  t.same(await keysOf(db, principal), [], 'first round deleted the old records');
  await seed(db, principal, 2, 30);
  for (let i = 0; i < 100 && (await keysOf(db, principal)).length > 0; i += 1) await sleep(20);
  t.same(await keysOf(db, principal), [], 'a later round deleted records that aged meanwhile');
  stop.abort();
  const settled = await Promise.race([running.then(() => 'stopped'), sleep(2_000).then(() => 'hung')]);
  t.equal(settled, 'stopped', 'resolves promptly after the abort');
});
