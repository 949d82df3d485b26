import { spawnSync } from 'node:child_process';
import { Keypair } from '@stellar/stellar-sdk';
import t from 'tap';
import { creatorsProjector } from '../../projections/creators/projector.ts';
import { catchUp } from '../../projections/runner.ts';
import { testApp } from '../support/app.ts';

const cli = new URL('../../bin/substream.ts', import.meta.url).pathname;

/** The CLI as an operator runs it: a process of its own, with the same PII master key (inherited environment). */
function run(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, JWT_SECRET: 'cli-test-secret-at-least-32-characters!!', ...env } });
}

t.test('substream erase shreds a subject on an operator\'s request; without --yes it erases nothing', async (t) => {
  const { app, token, database } = await testApp(t);
  const address = Keypair.random().publicKey();
  const registered = await app.inject({ method: 'POST', url: '/v1/creators', headers: { authorization: `Bearer ${await token(address)}` }, payload: { displayName: 'Operator-erased' } });
  t.equal(registered.statusCode, 201, registered.body);
  const env = { DATABASE_URL: database.url, LOG_LEVEL: 'silent' };

  const unconfirmed = run(['erase', address], env);
  t.equal(unconfirmed.status, 2, 'no --yes: a usage error');
  t.match(unconfirmed.stderr, /irreversible: add --yes/);
  t.equal(run(['erase', 'has space', '--yes'], env).status, 2, 'a subject with a space is refused');

  const erased = run(['erase', address, '--yes'], env);
  t.equal(erased.status, 0, erased.stderr);
  t.match(JSON.parse(erased.stdout), { subject: address, keysShredded: 1 });
  await catchUp(database.db, creatorsProjector);
  t.equal((await app.inject({ method: 'GET', url: `/v1/creators/${address}` })).json().displayName, '[erased]');
  t.match(JSON.parse(run(['erase', address, '--yes'], env).stdout), { keysShredded: 0 }, 'erasing again shreds nothing more');
});
