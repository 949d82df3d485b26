import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import t from 'tap';
import { startEmbeddedPostgres } from '../../platform/embedded-postgres.ts';

// A CLI command in a second terminal, beside `npm start`, must use the embedded PostgreSQL that
// already runs for the same DATA_DIR instead of failing to start a second one on its port.
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

const select1 = async (url: string) => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('select 1 as one')).rows[0].one as number;
  } finally {
    await client.end();
  }
};

t.test('a second start for the same DATA_DIR joins the running server, and leaving it does not stop it', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'substream-shared-pg-'));
  chmodSync(dataDir, 0o755);
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const first = await startEmbeddedPostgres({ dataDir, port, log: () => {} });
  t.teardown(() => first.stop());
  const logs: string[] = [];
  const second = await startEmbeddedPostgres({ dataDir, port, log: (m) => logs.push(m) });
  t.equal(second.url, first.url, 'the same server, with the password kept in DATA_DIR');
  t.equal(await select1(second.url), 1);
  t.match(logs.join('\n'), /already running/, 'says it joined a running server');
  await second.stop();
  t.equal(await select1(first.url), 1, 'the server the first process started still runs');
});

t.test('a configured port that differs from the running server\'s is not a reason to fail: the running one is used', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'substream-shared-pg-'));
  chmodSync(dataDir, 0o755);
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const first = await startEmbeddedPostgres({ dataDir, port: await freePort(), log: () => {} });
  t.teardown(() => first.stop());
  const second = await startEmbeddedPostgres({ dataDir, port: await freePort(), log: () => {} });
  t.equal(second.url, first.url);
  await second.stop();
});
