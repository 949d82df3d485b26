import fc from 'fast-check';
import t from 'tap';
import { z } from 'zod';
import { allProjectors } from '../../projections/registry.ts';
import { catchUp } from '../../projections/runner.ts';
import { randomAccount, testApp } from '../support/app.ts';
import { appendStreamFact, randomContract } from '../support/stream-events.ts';

/**
 * Every time an API caller can send has one documented range (README "Time ranges"): unix seconds
 * 0 … 253402300799 and ISO-8601 times 1970-01-01T00:00:00Z … 9999-12-31T23:59:59.999Z. Outside it
 * the answer is 400 VALIDATION.FAILED naming the field, never a 500, and nothing out of range is
 * stored (a projector would then stop on it). TIME_RANGE_RUNS raises the cases per input (default 30).
 */
const RUNS = Number(process.env.TIME_RANGE_RUNS ?? 30);
const MAX_SECONDS = 253_402_300_799;
const MAX_MS = MAX_SECONDS * 1000 + 999;
const STREAM_CONTRACT = randomContract();
const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

const unixInRange = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_SECONDS;
const isoInRange = (v: unknown, date = false): boolean => {
  if (typeof v !== 'string') return false;
  const shaped = z.iso.datetime({ offset: true }).safeParse(v).success || (date && z.iso.date().safeParse(v).success);
  const ms = Date.parse(v);
  return shaped && Number.isFinite(ms) && ms >= 0 && ms <= MAX_MS;
};

/** Unix seconds around every edge: the range's, JavaScript Date's (8.64e12 s), 2^53, fractions, negatives. */
const unixSeconds = fc.oneof(
  fc.constantFrom(0, -1, MAX_SECONDS, MAX_SECONDS + 1, 8.64e12, 8.64e12 + 1, 9_000_000_000_000, Number.MAX_SAFE_INTEGER, 1.5, 1e300),
  fc.integer({ min: -10, max: 10 }),
  fc.integer({ min: MAX_SECONDS - 10, max: MAX_SECONDS + 10 }),
  fc.maxSafeInteger(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
/** ISO times around every edge: year 0000, 1969, 9999 with offsets, years past 9999, JavaScript's own extremes, junk. */
const isoTimes = fc.oneof(
  fc.constantFrom('0000-01-01T00:00:00Z', '0001-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '1970-01-01T00:00:00Z', '1970-01-01T00:00:00+01:00',
    '9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59-01:00', '10000-01-01T00:00:00Z', '+275760-09-13T00:00:00.000Z', '2026-02-30T00:00:00Z', 'now'),
  fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.date({ min: new Date(-1e13), max: new Date(MAX_MS + 1e12), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.string({ maxLength: 30 }),
);
const isoDates = fc.oneof(isoTimes, fc.constantFrom('0000-01-01', '1969-12-31', '1970-01-01', '9999-12-31', '9999-12-32'));

async function setup(t: Parameters<typeof testApp>[0]) {
  const harness = await testApp(t, { STELLARSTREAM_CONTRACT_ID: STREAM_CONTRACT, RATE_LIMIT_PER_MINUTE: '1000000' });
  const sender = randomAccount();
  const receiver = randomAccount();
  const token = randomContract();
  const headers = async (who: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${await harness.token(who, who)}`, ...extra });
  await appendStreamFact(harness.app.services.eventStore, 'StreamCreated', {
    contractId: STREAM_CONTRACT, streamId: '1', sender, receiver, token, totalAmount: '1000', startAt: iso(1_800_000_000), cliffAt: null,
    endAt: iso(1_800_001_000), memo: null, createdAt: iso(1_800_000_000),
  }, receiver);
  for (const projector of allProjectors) await catchUp(harness.database.db, projector);
  return { ...harness, sender, receiver, token, headers, streamId: `${STREAM_CONTRACT}-1` };
}

/** 400 VALIDATION.FAILED whose details name `field` somewhere in a path. */
function namesField(body: { code?: string; details?: unknown }, field: string): boolean {
  return body.code === 'VALIDATION.FAILED' && JSON.stringify(body.details ?? '').includes(field);
}

t.test('GET /v1/streams/:id?at= past the range is 400 naming at, not 500', async (t) => {
  const { app, receiver, headers, streamId } = await setup(t);
  for (const at of ['9000000000000', String(MAX_SECONDS + 1)]) {
    const response = await app.inject({ method: 'GET', url: `/v1/streams/${streamId}?at=${at}`, headers: await headers(receiver) });
    t.equal(response.statusCode, 400, `at=${at}`);
    t.ok(namesField(response.json(), 'at'), JSON.stringify(response.json()));
  }
  const edge = await app.inject({ method: 'GET', url: `/v1/streams/${streamId}?at=${MAX_SECONDS}`, headers: await headers(receiver) });
  t.match([edge.statusCode, edge.json().at], [200, '9999-12-31T23:59:59.000Z'], 'the last second of the range is served');
});

t.test('POST /v1/streams with a start or end past the range is 400 naming it, and its Idempotency-Key keeps no 500', async (t) => {
  const { app, sender, receiver, token, headers } = await setup(t);
  const good = { receiver, token, amount: '1000', start: 1_800_000_000, end: 1_800_001_000 };
  for (const [field, body] of [['start', { ...good, start: 9_000_000_000_000 }], ['end', { ...good, end: 9_000_000_000_000 }], ['cliff', { ...good, cliff: MAX_SECONDS + 1 }]] as const) {
    const key = `huge-${field}`;
    const response = await app.inject({ method: 'POST', url: '/v1/streams', payload: body, headers: await headers(sender, { 'idempotency-key': key }) });
    t.equal(response.statusCode, 400, field);
    t.ok(namesField(response.json(), field), JSON.stringify(response.json()));
    const retry = await app.inject({ method: 'POST', url: '/v1/streams', payload: good, headers: await headers(sender, { 'idempotency-key': key }) });
    t.equal(retry.statusCode, 202, `${field}: the key was not spent on the rejected request`);
  }
});

t.test('property: every time input answers 4xx, never 5xx, and names the field when out of range', async (t) => {
  const { app, database, sender, receiver, token, headers, streamId } = await setup(t);
  const creator = receiver;
  interface Site {
    name: string;
    field: string;
    values: fc.Arbitrary<unknown>;
    inRange(v: unknown): boolean;
    request(v: unknown): Promise<{ statusCode: number; json(): { code?: string; details?: unknown } }>;
  }
  const post = async (url: string, payload: object, who = sender) => app.inject({ method: 'POST', url, payload, headers: await headers(who) });
  const get = async (url: string, who = receiver) => app.inject({ method: 'GET', url, headers: await headers(who) });
  const stream = { receiver, token, amount: '1000', start: 1_800_000_000, end: 1_800_001_000 };
  const sites: Site[] = [
    { name: 'GET /v1/streams/:id?at', field: 'at', values: unixSeconds, inRange: unixInRange, request: (v) => get(`/v1/streams/${streamId}?at=${encodeURIComponent(String(v))}`) },
    { name: 'POST /v1/streams start', field: 'start', values: unixSeconds, inRange: unixInRange, request: (v) => post('/v1/streams', { ...stream, start: v, end: MAX_SECONDS }) },
    { name: 'POST /v1/streams end', field: 'end', values: unixSeconds, inRange: unixInRange, request: (v) => post('/v1/streams', { ...stream, start: 0, end: v }) },
    { name: 'POST /v1/streams cliff', field: 'cliff', values: unixSeconds, inRange: unixInRange, request: (v) => post('/v1/streams', { ...stream, start: 0, cliff: v, end: MAX_SECONDS }) },
    {
      name: 'POST /v1/invoice-links expiresAt', field: 'expiresAt', values: isoTimes, inRange: (v) => isoInRange(v),
      request: (v) => post('/v1/invoice-links', { receiver, amount: '1000', tokenAddress: token, duration: 60, expiresAt: v }, creator),
    },
    {
      name: 'POST /v1/analytics/view-events at', field: 'at', values: isoTimes, inRange: (v) => isoInRange(v),
      request: (v) => post('/v1/analytics/view-events', { events: [{ contentId: 'c1', positionSeconds: 1, watchedSeconds: 1, at: v }] }, creator),
    },
    {
      name: 'GET /v1/analytics/creators/me/series from', field: 'from', values: isoDates, inRange: (v) => isoInRange(v, true),
      request: (v) => get(`/v1/analytics/creators/me/series?metric=revenue&bucket=month&from=${encodeURIComponent(String(v))}&to=9999-12-31`, creator),
    },
    {
      name: 'GET /v1/analytics/creators/me/series to', field: 'to', values: isoDates, inRange: (v) => isoInRange(v, true),
      request: (v) => get(`/v1/analytics/creators/me/series?metric=revenue&bucket=month&from=1970-01-01&to=${encodeURIComponent(String(v))}`, creator),
    },
  ];
  for (const site of sites) {
    let cases = 0;
    await fc.assert(fc.asyncProperty(site.values, async (value) => {
      cases++;
      const response = await site.request(value);
      if (response.statusCode >= 500) throw new Error(`${site.name}=${JSON.stringify(value)}: ${response.statusCode} ${JSON.stringify(response.json())}`);
      if (!site.inRange(value) && !(response.statusCode === 400 && namesField(response.json(), site.field))) {
        throw new Error(`${site.name}=${JSON.stringify(value)} is out of range but answered ${response.statusCode} ${JSON.stringify(response.json())}`);
      }
    }), { numRuns: RUNS });
    t.pass(`${site.name}: ${cases} cases, none 5xx`);
  }
  for (const projector of allProjectors) {
    const result = await catchUp(database.db, projector).then(() => 'ok', (error: Error) => error.message);
    t.equal(result, 'ok', `${projector.name} absorbs every time the API accepted`);
  }
});
