import { parseArgs, type ParseArgsConfig } from 'node:util';

/** One `substream <name>` command. `run` returns the process exit code. */
export interface CliCommand {
  usage: string;
  run(argv: string[]): Promise<number>;
}

export const EXIT = { ok: 0, failed: 1, badArguments: 2, sourceUnavailable: 3, alreadyRunning: 4, booksDisagree: 5 } as const;

/** Bad arguments: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * `util.parseArgs` that turns its errors into `UsageError`s.
 *
 * @example const { values } = parseCliArgs(argv, { from: { type: 'string' } });
 */
export function parseCliArgs<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * An error as one line: its message and its causes' (`migration failed: connect ECONNREFUSED …`),
 * with the code a driver or the system attached when the message does not say it (a SQLSTATE).
 *
 * @example errorChain(new Error('migration failed', { cause: dbError })) // 'migration failed: database "x" does not exist (3D000)'
 */
export function errorChain(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { message, code } = e as { message?: unknown; code?: unknown };
    const text = typeof message === 'string' && message !== '' ? message : String(e);
    parts.push(typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text);
  }
  return parts.join(': ');
}
