import fc from 'fast-check';
import pg from 'pg';
import t, { type Test } from 'tap';
import { toHttpError } from '../../api/errors.ts';
import { notStarted } from '../../api/plugins/idempotency.ts';
import { TEST_SERVER_URL, testDatabase } from '../support/database.ts';

const PROPERTY_RUNS = Number(process.env.FAULT_ROUNDS ?? 1) * 200;

function sqlstateError(code: string): pg.DatabaseError {
  const error = new pg.DatabaseError(`sqlstate ${code}`, 0, 'error');
  error.code = code;
  return error;
}

/** Rejects with what `run` throws; fails the test when it does not throw. */
async function thrown(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

function assertUnavailable(t: Test, error: unknown, what: string) {
  const { status, body } = toHttpError(error);
  t.equal(status, 503, `${what}: 503 (${(error as Error)?.message})`);
  t.equal(body.code, 'DEPENDENCY.UNAVAILABLE', `${what}: DEPENDENCY.UNAVAILABLE`);
  t.notMatch(body.message, /password|postgres:\/\//, `${what}: no connection details leak`);
}

t.test('real dependency failures from the real PostgreSQL are 503 DEPENDENCY.UNAVAILABLE, never 500', async (t) => {
  const { url } = await testDatabase(t);

  const refused = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:1/none' });
  assertUnavailable(t, await thrown(() => refused.connect()), 'connection refused');

  const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 50 });
  pool.on('error', () => {});
  const held = await pool.connect();
  assertUnavailable(t, await thrown(() => pool.query('select 1')), 'pool acquisition timeout');

  assertUnavailable(t, await thrown(() => held.query(`set statement_timeout = 20; select pg_sleep(1)`)), 'statement_timeout (57014)');
  await held.query('set statement_timeout = 0');

  const { rows } = await held.query<{ pid: number }>('select pg_backend_pid() as pid');
  const admin = new pg.Client({ connectionString: TEST_SERVER_URL });
  await admin.connect();
  held.on('error', () => {});
  const killed = held.query('select pg_sleep(5)');
  await new Promise((resolve) => setTimeout(resolve, 50));
  await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
  assertUnavailable(t, await thrown(() => killed), 'admin shutdown (57P01)');
  assertUnavailable(t, await thrown(() => held.query('select 1')), 'a query on the terminated connection');
  held.release(true);
  await admin.end();

  const slow = new pg.Client({ connectionString: url, query_timeout: 30 });
  await slow.connect();
  slow.on('error', () => {});
  assertUnavailable(t, await thrown(() => slow.query('select pg_sleep(1)')), 'client query_timeout');
  await slow.end().catch(() => undefined);
  await pool.end();
});

t.test('socket-level errno codes, pool and client messages, nested causes: all 503', async (t) => {
  for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']) {
    assertUnavailable(t, Object.assign(new Error(`connect ${code}`), { code }), code);
  }
  assertUnavailable(t, new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })], ''), 'AggregateError of ECONNREFUSED');
  for (const message of [
    'timeout exceeded when trying to connect',
    'Connection terminated unexpectedly',
    'Connection terminated due to connection timeout',
    'Query read timeout',
    'Client has encountered a connection error and is not queryable',
  ]) assertUnavailable(t, new Error(message), message);
  assertUnavailable(t, new Error('append failed', { cause: sqlstateError('57P01') }), 'a wrapped admin shutdown');
  for (const code of ['57P01', '57P02', '57P03', '57014', '08000', '08003', '08006', '08001', '08004', '53300', '53100']) {
    assertUnavailable(t, sqlstateError(code), `SQLSTATE ${code}`);
  }
  // Redis (ioredis) when Redis is required and gone.
  assertUnavailable(t, Object.assign(new Error('Reached the max retries per request limit (which is 3).'), { name: 'MaxRetriesPerRequestError' }), 'ioredis max retries');
  assertUnavailable(t, new Error('Connection is closed.'), 'ioredis closed');
});

t.test('property: SQLSTATE classes 08, 53 and 57 are 503; every other class keeps its mapping (22 → 400, else 500)', async (t) => {
  const alnum = fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ');
  const sqlstate = fc.tuple(alnum, alnum, alnum, alnum, alnum).map((c) => c.join(''));
  fc.assert(
    fc.property(sqlstate, (code) => {
      const { status, body } = toHttpError(sqlstateError(code));
      const cls = code.slice(0, 2);
      if (cls === '08' || cls === '53' || cls === '57') return status === 503 && body.code === 'DEPENDENCY.UNAVAILABLE';
      if (cls === '22') return status === 400;
      return status === 500 && body.code === 'INTERNAL';
    }),
    { numRuns: PROPERTY_RUNS },
  );
  t.pass(`${PROPERTY_RUNS} random SQLSTATEs`);
  t.equal(toHttpError(new Error('boom')).status, 500, 'a plain bug stays 500');
  t.equal(toHttpError(sqlstateError('23505')).status, 500, 'a unique violation is not a dependency failure');
});

t.test('a 503 DEPENDENCY.UNAVAILABLE is never stored under the Idempotency-Key', async (t) => {
  t.ok(notStarted(503, JSON.stringify({ code: 'DEPENDENCY.UNAVAILABLE', message: 'm' })));
  t.notOk(notStarted(500, JSON.stringify({ code: 'INTERNAL', message: 'm' })), 'a 500 (a bug) is still the result');
});
