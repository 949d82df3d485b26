import { parseArgs, type ParseArgsConfig } from 'node:util';

/** One `substream <name>` command. `run` returns the process exit code. */
export interface CliCommand {
  usage: string;
  run(argv: string[]): Promise<number>;
}

export const EXIT = { ok: 0, failed: 1, badArguments: 2, sourceUnavailable: 3, alreadyRunning: 4 } as const;

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
