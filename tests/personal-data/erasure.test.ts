import { Keypair } from '@stellar/stellar-sdk';
import { sql } from 'kysely';
import t from 'tap';
import { DATASET_QUERIES } from '../../exports/datasets.ts';
import { relayBatch } from '../../integration/relay.ts';
import { createEndpoint } from '../../integration/webhooks/endpoints.ts';
import type { Db } from '../../platform/database.ts';
import { withReadScope } from '../../projections/read-scope.ts';
import { rebuildProjector } from '../../projections/rebuild.ts';
import { allProjectors } from '../../projections/registry.ts';
import { catchUp } from '../../projections/runner.ts';
import { TEST_CONTRACT_ID, testApp } from '../support/app.ts';
import { recordingPublisher } from '../support/recording-publisher.ts';
import { dispatchAll } from '../support/webhook-flow.ts';

/** The tables read models are kept in, and the rows of each as text, sorted: what "row-identical" compares. */
const MODELS = { creators: 'address', content: 'content_id', invoice_links: 'id' } as const;

async function modelRows(db: Db): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [table, key] of Object.entries(MODELS)) {
    const { rows } = await sql<{ row: string }>`select t::text as row from ${sql.table(table)} t order by ${sql.ref(key)}`.execute(db);
    out[table] = rows.map((r) => r.row);
  }
  return out;
}

/** Every row of every table of the schema as text: a byte-wise search over all the database holds. */
async function everyRow(db: Db): Promise<{ table: string; row: string }[]> {
  const { rows: tables } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(db);
  const all: { table: string; row: string }[] = [];
  for (const { name } of tables) {
    const { rows } = await sql<{ row: string }>`select t::text as row from ${sql.table(name)} t`.execute(db);
    for (const { row } of rows) all.push({ table: name, row });
  }
  return all;
}

const projectAll = async (db: Db) => {
  for (const projector of allProjectors) await catchUp(db, projector);
};

t.test('an erased subject leaves no personal data in clear anywhere, and everyone else is untouched', async (t) => {
  const { app, token, database } = await testApp(t);
  const db = database.db;
  const tag = () => Math.random().toString(36).slice(2);
  const people = ['erased', 'kept'].map((role) => {
    const address = Keypair.random().publicKey();
    return {
      role, address,
      secrets: {
        displayName: `${role} Ada ${tag()}`,
        title: `${role} diary ${tag()}`,
        url: `https://cdn.example.com/${role}-${tag()}.mp4`,
        description: `${role} invoice for Jane ${tag()}`,
        viewer: `${role}.jane+${tag()}@example.com`,
        endpointNote: `${role} note ${tag()}`,
      },
    };
  });
  const [erased, kept] = people as [typeof people[0], typeof people[0]];
  const headersOf = async (address: string) => ({ authorization: `Bearer ${await token(address)}` });

  for (const person of people) {
    const headers = await headersOf(person.address);
    const send = async (method: 'POST' | 'PUT', url: string, payload: object, extra: Record<string, string> = {}) => {
      const response = await app.inject({ method, url, headers: { ...headers, ...extra }, payload });
      if (response.statusCode >= 300) throw new Error(`${method} ${url}: ${response.body}`);
    };
    await createEndpoint(db, person.address, { url: 'https://hooks.example.com/in', events: ['*'], description: person.secrets.endpointNote });
    // Under an Idempotency-Key: the stored response echoes the display name.
    await send('POST', '/v1/creators', { displayName: person.secrets.displayName }, { 'idempotency-key': `register-${tag()}` });
    await send('PUT', '/v1/creators/me/tiers', { tiers: [{ name: 'gold', token: TEST_CONTRACT_ID, price: { kind: 'rate', ratePerSecond: '10' } }] });
    await send('POST', '/v1/content', { title: person.secrets.title, minTier: 'gold', url: person.secrets.url });
    await send('POST', '/v1/invoice-links', { receiver: person.address, tokenAddress: TEST_CONTRACT_ID, amount: '1000', duration: 3600, description: person.secrets.description });
    await send('POST', '/v1/analytics/view-events', { events: [{ contentId: 'c-1', viewer: person.secrets.viewer, positionSeconds: 1, watchedSeconds: 2, at: '2026-01-02T03:04:05Z' }] });
  }
  await projectAll(db);
  await dispatchAll(db);
  const found = (rows: { row: string }[], secret: string) => rows.some((r) => r.row.includes(secret));
  const before = await everyRow(db);
  for (const person of people) {
    for (const field of ['displayName', 'title', 'description'] as const) t.ok(found(before, person.secrets[field]), `before: the search finds ${person.role}'s ${field} (in its read model)`);
  }

  const refused = await app.inject({ method: 'POST', url: '/v1/me/erase', headers: await headersOf(erased.address), payload: { confirm: kept.address } });
  t.equal(refused.statusCode, 422, 'confirming with another address erases nothing');
  t.equal(refused.json().code, 'ERASURE.NOT_CONFIRMED');
  const erasure = await app.inject({ method: 'POST', url: '/v1/me/erase', headers: await headersOf(erased.address), payload: { confirm: erased.address } });
  t.equal(erasure.statusCode, 200, erasure.body);
  t.equal(erasure.json().keysShredded, 1, 'its data key is shredded');
  t.ok(erasure.json().forgotten['idempotency-records'] >= 1 && erasure.json().forgotten['webhook-deliveries'] >= 1, `its copies outside the log are forgotten: ${JSON.stringify(erasure.json().forgotten)}`);
  await projectAll(db);
  const live = await modelRows(db);

  const after = await everyRow(db);
  for (const [field, secret] of Object.entries(erased.secrets)) {
    const holders = after.filter((r) => r.row.includes(secret)).map((r) => r.table);
    t.same(holders, [], `after erasure, ${erased.role}'s ${field} is in no table in clear (events, read models, idempotency records, deliveries, …)`);
  }
  for (const field of ['displayName', 'title', 'description', 'endpointNote'] as const) {
    t.ok(found(after, kept.secrets[field]), `${kept.role}'s ${field} is still there`);
  }

  const profile = await app.inject({ method: 'GET', url: `/v1/creators/${erased.address}` });
  t.equal(profile.json().displayName, '[erased]', 'the directory shows [erased]');
  t.equal((await app.inject({ method: 'GET', url: `/v1/creators/${kept.address}` })).json().displayName, kept.secrets.displayName);

  const publisher = recordingPublisher();
  for (;;) if ((await relayBatch(db, publisher, { name: 'erasure-test', topicPrefix: 'substream.', batchSize: 100 })).caughtUp) break;
  const messages = JSON.stringify(publisher.batches.flat().map((m) => ({ ...m, value: m.value.toString() })));
  t.ok(messages.includes(kept.secrets.displayName), 'a relay from position 0 publishes the kept creator\'s name');
  for (const [field, secret] of Object.entries(erased.secrets)) t.notOk(messages.includes(secret), `no integration message carries ${erased.role}'s ${field}`);

  const exported = await withReadScope(db, { tenantId: erased.address }, async (trx) => (await DATASET_QUERIES['invoice-links'].query({ from: null, to: null }).execute(trx)).rows);
  t.equal(exported.length, 1, 'the invoice-links export still has the erased creator\'s link');
  t.notOk(JSON.stringify(exported).includes(erased.secrets.description), 'without its description in clear');

  for (const projector of allProjectors) await rebuildProjector(db, projector);
  t.same(await modelRows(db), live, 'a rebuild from position 0 is row-identical: [erased] for the subject, unchanged for everyone else');

  const again = await app.inject({ method: 'POST', url: '/v1/content', headers: await headersOf(erased.address), payload: { title: 'After', minTier: 'gold', url: 'https://cdn.example.com/after' } });
  t.equal(again.statusCode, 201, 'an erased subject may write again (under a new key)');
});

t.test('GET /v1/me/data hands over what is held about the caller', async (t) => {
  const { app, token, database } = await testApp(t);
  const address = Keypair.random().publicKey();
  const headers = { authorization: `Bearer ${await token(address)}` };
  await app.inject({ method: 'POST', url: '/v1/creators', headers, payload: { displayName: 'Grace' } });
  for (const projector of allProjectors) await catchUp(database.db, projector);
  const data = await app.inject({ method: 'GET', url: '/v1/me/data', headers });
  t.equal(data.statusCode, 200, data.body);
  t.equal(data.json().subject, address);
  t.equal(data.json().creator.display_name, 'Grace');
  t.equal(data.json().personalDataKey.held, true);
});
