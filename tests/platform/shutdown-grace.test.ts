import { spawnSync } from 'node:child_process';
import t from 'tap';

const shutdown = new URL('../../platform/shutdown.ts', import.meta.url).href;
const logger = new URL('../../platform/logger.ts', import.meta.url).href;

/** Runs `stopWithinGrace` in a child process (it may exit it) with a stop that takes `stopMs`. */
function run(stopMs: number) {
  const script = `
    import { stopWithinGrace } from ${JSON.stringify(shutdown)};
    import { createLogger } from ${JSON.stringify(logger)};
    await stopWithinGrace(createLogger('info'), () => new Promise((resolve) => setTimeout(resolve, ${stopMs})), 300);
    console.log('returned');
  `;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
}

t.test('a stop within the grace resolves and logs stopped', async (t) => {
  const quick = run(10);
  t.equal(quick.status, 0);
  t.match(quick.stdout, /"msg":"stopped"/);
  t.match(quick.stdout, /returned/);
});

t.test('a stop that overruns the grace exits the process with 1', async (t) => {
  const stuck = run(60_000);
  t.equal(stuck.status, 1, 'exited by the grace timer, long before the stop would end');
  t.match(stuck.stdout, /stopping took longer than 0.3 s: exiting/);
  t.notMatch(stuck.stdout, /returned/);
});
