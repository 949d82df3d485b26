import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';
import { cliCommandNames } from '../support/cli-commands.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);
const run = promisify(execFile);

interface PmApp {
  name: string;
  cwd: string;
  script: string;
  args: string;
  interpreter: string;
  exec_mode: 'fork' | 'cluster';
  instances: number | 'max';
  max_memory_restart: string;
  kill_timeout: number;
  out_file: string;
  error_file: string;
  log_date_format: string;
  stop_exit_codes?: number[];
}

const { apps } = require('../../ops/ecosystem.config.cjs') as { apps: PmApp[] };

const commandTable = cliCommandNames();

t.test('the file loads and declares the four processes', async (t) => {
  t.same(apps.map((a) => a.name).sort(), ['substream-api', 'substream-indexer', 'substream-projector', 'substream-relay']);
  const byName = Object.fromEntries(apps.map((a) => [a.name, a]));
  t.match(byName['substream-api'], { exec_mode: 'cluster', instances: 'max', max_memory_restart: '500M', args: 'serve --no-projectors' });
  t.match(byName['substream-indexer'], { exec_mode: 'fork', instances: 1, max_memory_restart: '300M', args: 'index --follow' });
  t.match(byName['substream-projector'], { exec_mode: 'fork', instances: 1, max_memory_restart: '300M', args: 'project' });
  t.match(byName['substream-relay'], { exec_mode: 'fork', instances: 1, max_memory_restart: '300M', args: 'relay' });
  t.same(byName['substream-relay']!.stop_exit_codes, [2], 'the relay without KAFKA_BROKERS (exit 2) is not restarted in a loop');
});

t.test('every process runs the CLI with node, dated logs and a kill timeout above the 10 s grace', async (t) => {
  for (const app of apps) {
    t.equal(app.interpreter, 'node', app.name);
    t.equal(resolve(app.cwd, app.script), resolve(root, 'bin/substream.ts'), app.name);
    t.ok(existsSync(resolve(app.cwd, app.script)), `${app.name}: script exists`);
    t.ok(app.kill_timeout > 10_000 && app.kill_timeout <= 15_000, `${app.name}: kill_timeout ${app.kill_timeout}`);
    t.match(app.log_date_format, /YYYY-MM-DD/, `${app.name}: dated log lines`);
    t.match(app.out_file, new RegExp(`${app.name}\\.out\\.log$`));
    t.match(app.error_file, new RegExp(`${app.name}\\.err\\.log$`));
  }
});

t.test('every process names a command of the CLI and only options that command documents', async (t) => {
  for (const app of apps) {
    const [command, ...options] = app.args.split(' ');
    t.ok(commandTable.includes(command!), `${app.name}: \`${command}\` is in the command table (${commandTable.join(', ')})`);
    if (!commandTable.includes(command!)) continue;
    const { stdout } = await run(process.execPath, ['bin/substream.ts', command!, '--help'], { cwd: root, timeout: 30_000 }).catch(
      (error: { stderr?: string; message: string }) => {
        t.fail(`${app.name}: \`substream ${command} --help\` failed: ${error.stderr?.split('\n').slice(0, 8).join('\n') || error.message}`);
        return { stdout: '' };
      },
    );
    if (!stdout) continue;
    for (const option of options.filter((o) => o.startsWith('--'))) t.match(stdout, option, `${app.name}: ${command} documents ${option}`);
  }
});
