import { sql } from 'kysely';
import t from 'tap';
import { randomAccount, testApp } from '../support/app.ts';

const DEADLINE_MS = 1_000;

async function setup(t: Parameters<typeof testApp>[0]) {
  const harness = await testApp(t, { REQUEST_DEADLINE_MS: String(DEADLINE_MS) });
  const creator = randomAccount();
  const headers = { authorization: `Bearer ${await harness.token(creator, creator)}`, 'idempotency-key': 'register-1' };
  const register = () => harness.app.inject({ method: 'POST', url: '/v1/creators', headers, payload: { displayName: 'Ada' } });
  const events = async () =>
    (await harness.database.db.selectFrom('events').select('type').where('stream_id', '=', `creator-${creator}`).execute()).map((e) => e.type);
  /** The first attempt committed its append, then the database went away before its answer was stored. */
  const loseAnswer = (age: string) =>
    sql`update idempotency_keys set status_code = null, response_body = null, completed_at = null,
          created_at = now() - ${age}::interval where key = 'register-1'`.execute(harness.database.db);
  return { ...harness, creator, register, events, loseAnswer };
}

t.test('a released claim whose first attempt committed: the retry returns the same result and appends nothing', async (t) => {
  const { register, events, loseAnswer, creator } = await setup(t);
  const first = await register();
  t.equal(first.statusCode, 201, first.body);
  await loseAnswer(`${2 * DEADLINE_MS + 1} milliseconds`);
  const retry = await register();
  t.equal(retry.statusCode, 201, retry.body);
  t.same(retry.json(), { creator, revision: 0 }, 'the same result, not 422 CREATOR.ALREADY_REGISTERED');
  t.same(await events(), ['CreatorRegistered'], 'one event');
  const replay = await register();
  t.equal(replay.headers['idempotent-replayed'], 'true', 'the recognised result is now stored');
});

t.test('a claim that could not be released is held for twice the request deadline, then taken over', async (t) => {
  const { register, events, loseAnswer } = await setup(t);
  t.equal((await register()).statusCode, 201);
  await loseAnswer('0 seconds');
  const early = await register();
  t.equal(early.statusCode, 409, 'within the lease the first attempt may still run');
  t.equal(early.json().code, 'IDEMPOTENCY.IN_PROGRESS');
  await new Promise((resolve) => setTimeout(resolve, 2 * DEADLINE_MS + 100));
  const late = await register();
  t.equal(late.statusCode, 201, late.body);
  t.same(await events(), ['CreatorRegistered']);
});

t.test('a different request never inherits a claim\'s correlation id: a new key on the same stream is decided afresh', async (t) => {
  const { app, token } = await setup(t);
  const creator = randomAccount();
  const auth = { authorization: `Bearer ${await token(creator, creator)}` };
  t.equal((await app.inject({ method: 'POST', url: '/v1/creators', headers: { ...auth, 'idempotency-key': 'a' }, payload: { displayName: 'Ada' } })).statusCode, 201);
  const again = await app.inject({ method: 'POST', url: '/v1/creators', headers: { ...auth, 'idempotency-key': 'b' }, payload: { displayName: 'Ada' } });
  t.equal(again.statusCode, 422, 'another key is another command');
  t.equal(again.json().code, 'CREATOR.ALREADY_REGISTERED');
});
