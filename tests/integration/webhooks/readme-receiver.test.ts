import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { createPostgresEventStore } from '../../../eventstore/postgres/store.ts';
import { testApp } from '../../support/app.ts';
import { appendMixedLog } from '../../support/relay-events.ts';
import { address } from '../../support/subscription-events.ts';
import { deliverUntil, registerEndpoint, testWorkerOptions } from '../../support/webhook-flow.ts';

const ROOT = join(import.meta.dirname, '../../..');

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

t.test('the README’s webhook receiver, copied as is, verifies real deliveries and refuses a forged one', async (t) => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Webhooks\n'), readme.indexOf('\n## ', readme.indexOf('\n## Webhooks\n') + 1));
  const snippet = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  t.ok(snippet, 'the Webhooks section has a TypeScript snippet');
  t.match(snippet!, /from '@substream\/sdk'/, 'it imports the package by its name');
  const dir = join(ROOT, 'tests/.artifacts');
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'readme-webhook-receiver.ts');
  await writeFile(file, snippet!.replace("from '@substream/sdk'", `from '${join(ROOT, 'sdk/src/index.ts')}'`));

  const { app, token, database: { db } } = await testApp(t, { OUTBOUND_ALLOW_PRIVATE: 'true' });
  const creator = address('readme-creator');
  const port = await freePort();
  const { secret } = await registerEndpoint(app, `Bearer ${await token(creator, creator)}`, `http://127.0.0.1:${port}/substream/webhooks`);
  const receiver = spawn(process.execPath, [file], { env: { ...process.env, PORT: String(port), SUBSTREAM_WEBHOOK_SECRET: secret }, stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => receiver.kill());
  let output = '';
  receiver.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const post = (headers: Record<string, string>, body: string) => new Promise<number>((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path: '/substream/webhooks', method: 'POST', headers }, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    req.on('error', fail);
    req.end(body);
  });
  const until = Date.now() + 15_000;
  while ((await post({}, '{}').catch(() => 0)) === 0 && Date.now() < until) await sleep(50);

  const { ids } = await appendMixedLog(createPostgresEventStore(db), 1, 'readme');
  await deliverUntil(db, testWorkerOptions(), async () => {
    const rows = await db.selectFrom('webhook_deliveries').select(['status', 'last_status_code']).execute();
    return rows.length === ids.length && rows.every((r) => r.status === 'succeeded');
  });
  const codes = await db.selectFrom('webhook_deliveries').select('last_status_code').execute();
  t.ok(codes.every((r) => r.last_status_code === 204), 'the snippet answered 204 to each signed delivery');
  await sleep(100);
  t.same(output.trim().split('\n').map((line) => line.split(' ')[0]), ['SubscriptionRequested', 'SubscriptionActivated', 'SubscriptionBilled', 'SubscriptionBilled'], 'and handled each event once');
  const forged = `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`;
  t.equal(await post({ 'content-type': 'application/json', 'substream-signature': forged }, '{"id":"x"}'), 400, 'a forged signature is refused');
});
