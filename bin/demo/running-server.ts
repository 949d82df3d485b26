import { readFileSync } from 'node:fs';

const { name } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string };

/**
 * The base URL of a SubStream server already answering on this machine's `port` (`npm start` in
 * another terminal), told by its front door's JSON; null when nothing, or something else, answers.
 *
 * @example const base = await runningServer(3000); // 'http://localhost:3000' beside `npm start`
 */
export async function runningServer(port: number): Promise<string | null> {
  if (port === 0) return null;
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`, { headers: { accept: 'application/json' }, redirect: 'manual', signal: AbortSignal.timeout(2_000) });
    const body = response.ok ? ((await response.json()) as { name?: unknown }) : null;
    return body?.name === name ? `http://localhost:${port}` : null;
  } catch {
    return null;
  }
}
