import { spawnSync } from 'node:child_process';
import { Keypair } from '@stellar/stellar-sdk';
import t from 'tap';
import { verifyToken } from '../../platform/tokens.ts';
import { TEST_SERVER_URL } from '../support/database.ts';

const cli = new URL('../../bin/substream.ts', import.meta.url).pathname;
const secret = 'cli-test-secret-at-least-32-characters!!';

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, JWT_SECRET: secret, ...env } });
}

t.test('--help lists the commands and every command has its own --help', async (t) => {
  const help = run(['--help']);
  t.equal(help.status, 0);
  const names = [...help.stdout.matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]!);
  t.ok(names.includes('serve') && names.includes('migrate') && names.includes('token'), names.join(','));
  for (const name of names) {
    const own = run([name, '--help']);
    t.equal(own.status, 0, `${name} --help`);
    t.match(own.stdout, new RegExp(`substream ${name.split(' ')[0]}`));
  }
});

t.test('unknown commands and bad arguments exit 2 with the reason', async (t) => {
  const unknown = run(['nope']);
  t.equal(unknown.status, 2);
  t.match(unknown.stderr, /unknown command: nope/);
  const bad = run(['token', '--sub', 'not-an-address']);
  t.equal(bad.status, 2);
  t.match(bad.stderr, /--sub must be a Stellar address/);
  const config = run(['token', '--sub', Keypair.random().publicKey()], { PORT: 'x' });
  t.equal(config.status, 2);
  t.match(config.stderr, /PORT/);
});

t.test('a command that fails (no such database) exits 1 with one line naming the cause, the stack only with SUBSTREAM_DEBUG', async (t) => {
  const url = new URL(TEST_SERVER_URL);
  url.pathname = `/substream_missing_${process.pid}`;
  const failed = run(['projections', 'status'], { DATABASE_URL: url.toString() });
  t.equal(failed.status, 1);
  t.match(failed.stderr, new RegExp(`^substream projections failed: database "substream_missing_${process.pid}" does not exist \\(3D000\\)\\n$`, 'm'));
  t.notMatch(failed.stderr, /^\s+at /m, 'no stack trace');
  const debug = run(['projections', 'status'], { DATABASE_URL: url.toString(), SUBSTREAM_DEBUG: '1' });
  t.equal(debug.status, 1);
  t.match(debug.stderr, /^\s+at /m, 'the stack when asked for');
});

t.test('relay without KAFKA_BROKERS exits 2 and says what to set', async (t) => {
  const result = run(['relay'], { KAFKA_BROKERS: '' });
  t.equal(result.status, 2);
  t.match(result.stderr, /KAFKA_BROKERS is not set/);
  const bad = run(['relay'], { KAFKA_BROKERS: 'no-port' });
  t.equal(bad.status, 2);
  t.match(bad.stderr, /KAFKA_BROKERS: must be a comma list of host:port/);
});

t.test('token prints a JWT the API accepts', async (t) => {
  const sub = Keypair.random().publicKey();
  const tenant = Keypair.random().publicKey();
  const result = run(['token', '--sub', sub, '--tenant', tenant, '--ttl', '30m']);
  t.equal(result.status, 0, result.stderr);
  const { exp, ...claims } = await verifyToken(secret, result.stdout.trim());
  t.same(claims, { sub, tenant });
  t.ok(exp !== undefined && Math.abs(exp - (Date.now() / 1000 + 30 * 60)) < 60, `expires in 30 minutes (exp ${exp})`);
});
