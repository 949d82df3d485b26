import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import t, { type Test } from 'tap';
import { randomAccount, TEST_CONTRACT_ID, testApp, type TestApp } from '../support/app.ts';
import { TEST_SERVER_URL, testDatabase } from '../support/database.ts';
import { faultProxy, type FaultProxy } from '../support/fault-proxy.ts';

/**
 * Fault injection: the real API, its pool connected through a TCP proxy to the real PostgreSQL,
 * under a mixed load of keyed commands and reads while the proxy cuts every connection, cuts
 * queries in flight, refuses connections and adds latency. FAULT_ROUNDS (default 1) multiplies
 * the clients and the rounds of faults.
 */
const ROUNDS = Number(process.env.FAULT_ROUNDS ?? 1);
const CLIENTS = 4 * ROUNDS;
/** After the last fault ends, every client's next command must be acknowledged within this. */
const RECOVERY_BOUND_MS = 3_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Answer {
  status: number;
  code?: string;
  retryAfter?: string | undefined;
  body: string;
}

interface Command {
  kind: 'register' | 'subscribe';
  key: string;
  actor: string;
  streamId: string;
  answers: Answer[];
  acknowledgedAt?: number;
}

const FAULT_ENV = {
  RATE_LIMIT_PER_MINUTE: '1000000',
  DATABASE_POOL_MAX: '6',
  DATABASE_CONNECT_TIMEOUT_MS: '300',
  DATABASE_STATEMENT_TIMEOUT_MS: '800',
  REQUEST_DEADLINE_MS: '1500',
};

async function faultyApp(t: Test): Promise<{ harness: TestApp; proxy: FaultProxy; creator: string }> {
  const database = await testDatabase(t);
  const server = new URL(TEST_SERVER_URL);
  const proxy = await faultProxy(t, { host: server.hostname, port: Number(server.port || 5432) });
  const harness = await testApp(t, { ...FAULT_ENV, DATABASE_URL: proxy.through(database.url) }, { database });
  const creator = randomAccount();
  const auth = { authorization: `Bearer ${await harness.token(creator, creator)}` };
  const registered = await harness.app.inject({ method: 'POST', url: '/v1/creators', headers: auth, payload: { displayName: 'Ada' } });
  t.equal(registered.statusCode, 201, registered.body);
  const tiers = { tiers: [{ name: 'bronze', token: TEST_CONTRACT_ID, price: { kind: 'rate', ratePerSecond: '5' } }] };
  const set = await harness.app.inject({ method: 'PUT', url: '/v1/creators/me/tiers', headers: auth, payload: tiers });
  t.equal(set.statusCode, 200, set.body);
  return { harness, proxy, creator };
}

function answerOf(response: { statusCode: number; body: string; headers: Record<string, unknown> }): Answer {
  let code: string | undefined;
  try {
    code = (JSON.parse(response.body) as { code?: string }).code;
  } catch {
    code = undefined;
  }
  const retryAfter = response.headers['retry-after'];
  return { status: response.statusCode, code, retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined, body: response.body };
}

/** Sends one keyed command until it is acknowledged, retrying 503 and 409 IN_PROGRESS with the same key. */
async function runCommand(harness: TestApp, creator: string, kind: Command['kind'], stop: () => boolean): Promise<Command> {
  const actor = randomAccount();
  const key = randomUUID();
  const token = await harness.token(actor, kind === 'register' ? actor : undefined);
  const command: Command = kind === 'register'
    ? { kind, key, actor, streamId: `creator-${actor}`, answers: [] }
    : { kind, key, actor, streamId: `subscription-${actor}-${creator}`, answers: [] };
  const request = kind === 'register'
    ? { method: 'POST' as const, url: '/v1/creators', payload: { displayName: `c ${actor.slice(0, 6)}` } }
    : { method: 'POST' as const, url: '/v1/subscriptions', payload: { creator, tier: 'bronze' } };
  for (;;) {
    const response = await harness.app.inject({ ...request, headers: { authorization: `Bearer ${token}`, 'idempotency-key': key } });
    const answer = answerOf(response);
    command.answers.push(answer);
    const retry = answer.status === 503 || (answer.status === 409 && answer.code === 'IDEMPOTENCY.IN_PROGRESS');
    if (!retry) {
      command.acknowledgedAt = performance.now();
      return command;
    }
    if (stop()) return command;
    await sleep(50);
  }
}

async function runRead(harness: TestApp, creator: string): Promise<Answer> {
  return answerOf(await harness.app.inject({ method: 'GET', url: `/v1/creators/${creator}` }));
}

type Fault = { name: string; start(proxy: FaultProxy): Promise<void> | void; end(proxy: FaultProxy): Promise<void> | void; lastsMs: number };

const FAULTS: Fault[] = [
  { name: 'cut every connection', start: (p) => p.cutAll(), end: () => undefined, lastsMs: 0 },
  { name: 'cut queries in flight', start: (p) => p.cutMidQuery(3), end: () => undefined, lastsMs: 300 },
  { name: 'refuse new connections', start: async (p) => (await p.refuse(true), p.cutAll()), end: (p) => p.refuse(false), lastsMs: 700 },
  { name: 'latency above the statement timeout', start: (p) => p.latency(1_200), end: (p) => p.latency(0), lastsMs: 1_000 },
];

t.test('under cuts, refused connections and latency: only 503s, every acknowledged command exactly once, recovery within the bound', async (t) => {
  const { harness, proxy, creator } = await faultyApp(t);
  const commands: Command[] = [];
  const reads: Answer[] = [];
  let faultsOver = false;
  let faultsEndedAt = 0;

  const client = async (n: number) => {
    // Each client keeps sending until the faults are over, then one last command for the recovery check.
    while (!faultsOver) {
      commands.push(await runCommand(harness, creator, n % 2 === 0 ? 'subscribe' : 'register', () => false));
      reads.push(await runRead(harness, creator));
    }
    commands.push(await runCommand(harness, creator, 'subscribe', () => performance.now() - faultsEndedAt > RECOVERY_BOUND_MS * 2));
  };
  const load = Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(n)));
  for (let round = 0; round < ROUNDS; round++) {
    for (const fault of FAULTS) {
      await sleep(150);
      await fault.start(proxy);
      await sleep(fault.lastsMs);
      await fault.end(proxy);
    }
  }
  faultsEndedAt = performance.now();
  faultsOver = true;
  await load;

  const answers = [...commands.flatMap((c) => c.answers), ...reads];
  const fiveHundreds = answers.filter((a) => a.status >= 500);
  t.ok(fiveHundreds.length > 0, `the faults were felt: ${fiveHundreds.length} of ${answers.length} answers were 5xx`);
  t.same(fiveHundreds.filter((a) => a.status !== 503), [], 'no 5xx other than 503');
  t.same(
    fiveHundreds.filter((a) => a.code !== 'DEPENDENCY.UNAVAILABLE' || !a.retryAfter || !/^\d+$/.test(a.retryAfter)),
    [],
    'every 503 is DEPENDENCY.UNAVAILABLE with Retry-After',
  );
  t.same(commands.filter((c) => c.answers.at(-1)!.status >= 300), [], 'every command ends acknowledged 2xx');

  const { rows } = await sql<{ stream_id: string; type: string; n: number }>`
    select stream_id, type, count(*)::int as n from events
    where type in ('CreatorRegistered', 'SubscriptionRequested') group by stream_id, type`.execute(harness.database.db);
  const counted = new Map(rows.map((r) => [r.stream_id, r.n]));
  const intent = (c: Command) => counted.get(c.streamId) ?? 0;
  t.same(commands.filter((c) => intent(c) !== 1).map((c) => ({ streamId: c.streamId, events: intent(c), answers: c.answers.map((a) => `${a.status} ${a.code ?? ''}`) })), [], 'every acknowledged command has its event in the log exactly once');

  // The same key again returns the acknowledged answer, whatever happened on the way.
  const sample = commands.filter((c) => c.answers.length > 1).slice(0, 20);
  for (const command of sample) {
    const token = await harness.token(command.actor, command.kind === 'register' ? command.actor : undefined);
    const again = await harness.app.inject({
      method: 'POST',
      url: command.kind === 'register' ? '/v1/creators' : '/v1/subscriptions',
      headers: { authorization: `Bearer ${token}`, 'idempotency-key': command.key },
      payload: command.kind === 'register' ? { displayName: `c ${command.actor.slice(0, 6)}` } : { creator, tier: 'bronze' },
    });
    t.equal(again.body, command.answers.at(-1)!.body, `${command.streamId}: the retry after ${command.answers.length - 1} failure(s) replays the result`);
  }

  const recovered = commands.slice(-CLIENTS);
  const slowest = Math.max(...recovered.map((c) => (c.acknowledgedAt ?? Infinity) - faultsEndedAt));
  t.ok(slowest <= RECOVERY_BOUND_MS, `recovered: the last commands were acknowledged ${Math.round(slowest)} ms after the faults ended (bound ${RECOVERY_BOUND_MS} ms)`);
  t.comment(`${commands.length} commands, ${reads.length} reads, ${fiveHundreds.length} answered 503, ${proxy.stats().accepted} connections, ${proxy.stats().cutMidQuery} cut mid-query`);
});

t.test('a slow database fails fast: requests answer 503 within the request deadline', async (t) => {
  const { harness, proxy, creator } = await faultyApp(t);
  proxy.latency(5_000);
  const started = performance.now();
  const answer = await runRead(harness, creator);
  const elapsed = performance.now() - started;
  proxy.latency(0);
  t.equal(answer.status, 503, answer.body);
  t.equal(answer.code, 'DEPENDENCY.UNAVAILABLE');
  t.ok(elapsed < Number(FAULT_ENV.REQUEST_DEADLINE_MS) + 500, `answered in ${Math.round(elapsed)} ms`);
});
