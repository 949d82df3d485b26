import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import type { Db } from '../../platform/database.ts';

const child = new URL('./dispatcher-child.ts', import.meta.url).pathname;

/** Starts dispatcher-child.ts (env: DATABASE_URL, BATCH_SIZE, MAX_BATCHES, DISPATCHER). */
export function runDispatcherChild(env: Record<string, string>): { exited: Promise<number | null>; kill(): void } {
  const proc = spawn(process.execPath, [child], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  return { exited: new Promise((done) => proc.once('exit', (code) => done(code))), kill: () => proc.kill('SIGKILL') };
}

/**
 * Crashes a dispatcher mid-batch, then lets another run to the end of the log: one child
 * dispatches one batch; a second, SIGKILLed once it has written its batch and waits to move its
 * checkpoint (the caller's transaction locks the checkpoint table meanwhile); a third runs to the
 * end. What each step saw, for the caller to assert.
 *
 * @example const { firstExit, killedWaiting, killedExit, lastExit } = await crashMidBatch(db, database, 'email', 3);
 */
export async function crashMidBatch(db: Db, database: { url: string; name: string }, dispatcher: 'webhooks' | 'email', batchSize: number) {
  const env = { DATABASE_URL: database.url, BATCH_SIZE: String(batchSize), DISPATCHER: dispatcher };
  const firstExit = await runDispatcherChild({ ...env, MAX_BATCHES: '1' }).exited;
  const blocker = new pg.Client({ connectionString: database.url });
  await blocker.connect();
  try {
    await blocker.query('begin');
    await blocker.query('lock table outbox_checkpoints in exclusive mode');
    const second = runDispatcherChild(env);
    const until = Date.now() + 20_000;
    let killedWaiting = false;
    while (!killedWaiting && Date.now() < until) {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
        where datname = ${database.name} and wait_event_type = 'Lock' and query like 'insert into outbox_checkpoints%'`.execute(db);
      killedWaiting = rows[0]!.n > 0;
      if (!killedWaiting) await sleep(10);
    }
    second.kill();
    const killedExit = await second.exited;
    await blocker.query('rollback');
    const lastExit = await runDispatcherChild(env).exited;
    return { firstExit, killedWaiting, killedExit, lastExit };
  } finally {
    await blocker.end();
  }
}
