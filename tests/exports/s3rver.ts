import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The EXPORT_* variables of a local s3rver with bucket `exports`, stopped and wiped at teardown. */
export async function localExportBucket(t: { teardown(fn: () => unknown): void }): Promise<Record<string, string>> {
  const directory = mkdtempSync(join(tmpdir(), 's3rver-exports-'));
  t.teardown(() => rmSync(directory, { recursive: true, force: true }));
  const { default: S3rver } = (await import('s3rver' as string)) as {
    default: new (options: object) => { run(): Promise<{ port: number }>; close(): Promise<void> };
  };
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: 'exports' }] });
  const { port } = await server.run();
  t.teardown(() => server.close());
  return {
    EXPORT_S3_BUCKET: 'exports',
    EXPORT_S3_ENDPOINT: `http://127.0.0.1:${port}`,
    EXPORT_S3_ACCESS_KEY_ID: 'S3RVER',
    EXPORT_S3_SECRET_ACCESS_KEY: 'S3RVER',
  };
}
