import { randomBytes } from 'node:crypto';
import { admin, SERVER_URL } from './database.ts';

/** A database of its own for one bench run, on the bench server. */
export interface FreshDatabase {
  name: string;
  url: string;
  /** Waits (≤ 1 s) for its connections to close, then drops it, forcing out any left. */
  drop(): Promise<void>;
}

/**
 * Creates an empty `substream_bench_<random>` database (not migrated).
 *
 * @example const database = await freshDatabase(); try { … } finally { await database.drop(); }
 */
export async function freshDatabase(): Promise<FreshDatabase> {
  const name = `substream_bench_${randomBytes(6).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      // pg's pool.end() resolves before its sockets close: let those backends exit before forcing.
      for (let i = 0; i < 50; i++) {
        const { rows } = await admin('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
        if (rows[0].n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await admin(`drop database if exists ${name} with (force)`);
    },
  };
}
