import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The machine's PostgreSQL, used when it answers (CI provisions it). */
export const MACHINE_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
/** Where the run's own embedded server lives when the machine has none (tests/support/before-all.ts). */
export const EMBEDDED_TEST_DIR = resolve(import.meta.dirname, '../../.substream-test');
export const EMBEDDED_TEST_PORT = Number(process.env.TEST_EMBEDDED_PG_PORT ?? 54339);
/** Written by before-all.ts once the run's embedded server answers; removed by after-all.ts. */
export const EMBEDDED_MARKER = resolve(EMBEDDED_TEST_DIR, 'started-for-this-run');
export const EMBEDDED_SERVER_URL = `postgres://postgres@127.0.0.1:${EMBEDDED_TEST_PORT}/postgres`;

/**
 * The server the tests use: TEST_DATABASE_URL when set; else the embedded server this run started
 * because nothing answered on 127.0.0.1:5432; else the machine's.
 *
 * @example const url = testServerUrl();
 */
export function testServerUrl(): string {
  if (process.env.TEST_DATABASE_URL) return process.env.TEST_DATABASE_URL;
  return existsSync(EMBEDDED_MARKER) ? EMBEDDED_SERVER_URL : MACHINE_SERVER_URL;
}
