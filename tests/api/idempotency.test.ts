import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import t from 'tap';
import { notStarted } from '../../api/plugins/idempotency.ts';
import { creatorStreamId } from '../../domain/creator/events.ts';
import { appendToStreams } from '../../eventstore/postgres/append.ts';
import type { Db } from '../../platform/database.ts';
import { randomAccount, TEST_CONTRACT_ID, testApp } from '../support/app.ts';

const tiers = (ratePerSecond: string) => ({ tiers: [{ name: 'bronze', token: TEST_CONTRACT_ID, price: { kind: 'rate', ratePerSecond } }] });

async function storedKeys(db: Db, key: string) {
  return db.selectFrom('idempotency_keys').select(['status_code']).where('key', '=', key).execute();
}

/** Resolves once a backend of this database waits on a lock: the request's append is blocked. */
async function blockedOnLock(db: Db): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(db);
    if (rows[0]!.n > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the request never blocked on the racing writer');
}

t.test('notStarted: validation, concurrency conflicts and throttling are retryable; every other answer is the result', async (t) => {
  t.ok(notStarted(400, JSON.stringify({ code: 'VALIDATION.FAILED', message: 'm' })));
  t.ok(notStarted(409, JSON.stringify({ code: 'CONCURRENCY.CONFLICT', message: 'm' })));
  t.ok(notStarted(429, JSON.stringify({ code: 'RATE_LIMIT.EXCEEDED', message: 'm' })));
  t.notOk(notStarted(409, JSON.stringify({ code: 'IDEMPOTENCY.IN_PROGRESS', message: 'm' })));
  t.notOk(notStarted(400, JSON.stringify({ code: 'AUTH.INVALID_MEMO', message: 'm' })));
  t.notOk(notStarted(400, 'not json'));
  for (const status of [200, 201, 401, 403, 404, 410, 422, 500]) t.notOk(notStarted(status, JSON.stringify({ code: 'VALIDATION.FAILED' })), `${status} is stored`);
});

t.test('a 409 CONCURRENCY.CONFLICT is not stored: a retry with the same key runs again and succeeds', async (t) => {
  const { app, token, database } = await testApp(t);
  const creator = randomAccount();
  const auth = { authorization: `Bearer ${await token(creator, creator)}` };
  t.equal((await app.inject({ method: 'POST', url: '/v1/creators', headers: auth, payload: { displayName: 'Ada' } })).statusCode, 201);

  // A racing writer appends revision 1 and holds its commit until the request's own append of
  // revision 1 waits on it: the request read revision 0, so it loses with a real conflict.
  const headers = { ...auth, 'idempotency-key': 'tiers-1' };
  const put = () => app.inject({ method: 'PUT', url: '/v1/creators/me/tiers', headers, payload: tiers('7') });
  const { pending } = await database.db.transaction().execute(async (trx) => {
    const data = { creator, ...tiers('5'), setAt: new Date().toISOString() };
    await appendToStreams(trx, [{
      streamId: creatorStreamId(creator),
      events: [{ id: randomUUID(), type: 'TiersSet', data, metadata: { source: 'command', tenantId: creator, correlationId: 'racing-writer' } }],
      expectedRevision: 0,
    }]);
    const pending = put();
    await blockedOnLock(database.db);
    return { pending }; // wrapped: returning the promise itself would wait for it before committing
  });
  const conflicted = await pending;
  t.equal(conflicted.statusCode, 409, conflicted.body);
  t.equal(conflicted.json().code, 'CONCURRENCY.CONFLICT');
  t.same(await storedKeys(database.db, 'tiers-1'), [], 'the claim was released, not stored');

  const retried = await put();
  t.equal(retried.statusCode, 200, retried.body);
  t.equal(retried.headers['idempotent-replayed'], undefined, 'the retry ran');
  t.same(retried.json(), { creator, revision: 2 });
  const replayed = await put();
  t.equal(replayed.headers['idempotent-replayed'], 'true', 'and its success is the key\'s result from now on');
  t.same(replayed.json(), retried.json());
  const stream = await database.db.selectFrom('events').select('type').where('stream_id', '=', creatorStreamId(creator)).orderBy('stream_revision').execute();
  t.same(stream.map((e) => e.type), ['CreatorRegistered', 'TiersSet', 'TiersSet'], 'one append by the racer, one by the retry');
});

t.test('a 422 domain error is stored and replayed, even once a new run would succeed', async (t) => {
  const { app, token, database } = await testApp(t);
  const creator = randomAccount();
  const auth = { authorization: `Bearer ${await token(creator, creator)}` };
  const headers = { ...auth, 'idempotency-key': 'tiers-early' };
  const first = await app.inject({ method: 'PUT', url: '/v1/creators/me/tiers', headers, payload: tiers('7') });
  t.equal(first.statusCode, 422, first.body);
  t.equal(first.json().code, 'CREATOR.NOT_REGISTERED');
  t.same(await storedKeys(database.db, 'tiers-early'), [{ status_code: 422 }]);

  t.equal((await app.inject({ method: 'POST', url: '/v1/creators', headers: auth, payload: { displayName: 'Ada' } })).statusCode, 201);
  const again = await app.inject({ method: 'PUT', url: '/v1/creators/me/tiers', headers, payload: tiers('7') });
  t.equal(again.statusCode, 422);
  t.equal(again.headers['idempotent-replayed'], 'true');
  t.same(again.json(), first.json(), 'the first body, request id included');
  const fresh = await app.inject({ method: 'PUT', url: '/v1/creators/me/tiers', headers: { ...auth, 'idempotency-key': 'tiers-late' }, payload: tiers('7') });
  t.equal(fresh.statusCode, 200, 'a new key runs the command, which now succeeds');
});

t.test('a validation 400 leaves no row, before or after the claim', async (t) => {
  const { app, token, database } = await testApp(t);
  const creator = randomAccount();
  const auth = { authorization: `Bearer ${await token(creator, creator)}` };

  // The body schema runs before preHandler: the key is never claimed.
  const register = { ...auth, 'idempotency-key': 'register-1' };
  const badShape = await app.inject({ method: 'POST', url: '/v1/creators', headers: register, payload: { displayName: 42 } });
  t.equal(badShape.statusCode, 400);
  t.equal(badShape.json().code, 'VALIDATION.FAILED');
  t.same(await storedKeys(database.db, 'register-1'), []);
  const registered = await app.inject({ method: 'POST', url: '/v1/creators', headers: register, payload: { displayName: 'Ada' } });
  t.equal(registered.statusCode, 201, 'the same key with a corrected body runs (not IDEMPOTENCY.KEY_REUSED)');

  // The view-event batch is validated by the handler, after the claim: the claim is released.
  const views = { ...auth, 'idempotency-key': 'views-1' };
  const bad = { events: [{ contentId: 'ep-1', positionSeconds: -1, watchedSeconds: 1, at: '2026-11-23T12:00:00Z' }] };
  for (const attempt of [1, 2]) {
    const refused = await app.inject({ method: 'POST', url: '/v1/analytics/view-events', headers: views, payload: bad });
    t.equal(refused.statusCode, 400, `attempt ${attempt}: ${refused.body}`);
    t.equal(refused.json().code, 'VALIDATION.FAILED');
    t.equal(refused.headers['idempotent-replayed'], undefined, `attempt ${attempt} ran`);
    t.same(await storedKeys(database.db, 'views-1'), [], `attempt ${attempt} left no row`);
  }
  const good = { events: [{ contentId: 'ep-1', positionSeconds: 1, watchedSeconds: 1, at: '2026-11-23T12:00:00Z' }] };
  const accepted = await app.inject({ method: 'POST', url: '/v1/analytics/view-events', headers: views, payload: good });
  t.equal(accepted.statusCode, 202, accepted.body);
  t.same(await storedKeys(database.db, 'views-1'), [{ status_code: 202 }]);
});
