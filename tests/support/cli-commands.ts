import { execFileSync } from 'node:child_process';

const cli = new URL('../../bin/substream.ts', import.meta.url).pathname;

/** The command names the CLI itself lists in `substream --help`. */
export function cliCommandNames(): string[] {
  return [...execFileSync(process.execPath, [cli, '--help'], { encoding: 'utf8' }).matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]!);
}
