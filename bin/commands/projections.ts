import { pino } from 'pino';
import { loadConfig } from '../../platform/config.ts';
import { openRuntime } from '../../platform/runtime.ts';
import { projectionOverview, type ProjectorOverview } from '../../projections/overview.ts';
import { openDeadLetters, parsePosition, type DeadLetter } from '../../projections/dead-letters.ts';
import { RebuildInProgress } from '../../projections/rebuild-lock.ts';
import { NothingToResolve, retryDeadLetter, skipDeadLetter } from '../../projections/resolve-dead-letter.ts';
import { rebuildProjector } from '../../projections/rebuild.ts';
import { allProjectors } from '../../projections/registry.ts';
import { EXIT, parseCliArgs, UsageError, type CliCommand } from '../cli.ts';
import { createRebuildProgress } from '../rebuild-progress.ts';

const usage = `substream projections rebuild <name>|--all [--batch-size N]
substream projections status [--json]
substream projections retry <name> <position>
substream projections skip <name> <position>

rebuild  builds the read model again from position 0 into <table>__next tables while the live
         model keeps serving and following the log, then swaps them in atomically and drops the
         old tables. Interrupted (Ctrl-C, a crash), re-running it resumes. Progress on stderr.
         One rebuild of a projector at a time: while one runs, another exits 4 at once.
status   each projector's code and stored version (stale, or newer than this code), checkpoint, lag in events and
         seconds, state (live, rebuilding, failed; new before its first run) and last error, then
         every open dead letter (the event a projector halted before, the events it parked).
retry    applies the halted or parked event at <position> (commit/prepare, as status shows it) now;
         a halted projector follows on once it is applied. Exits 1 when it fails again.
skip     resolves it without applying it: a halted projector moves past it and follows on.

Projectors: ${allProjectors.map((p) => p.name).join(', ')}

  --all           rebuild every projector, one after the other
  --batch-size N  events read per transaction (default PROJECTION_BATCH_SIZE)
  --json          print the status as one JSON object on stdout`;

const seconds = (s: number | null): string => (s === null ? '-' : s.toFixed(1));

function table(rows: readonly ProjectorOverview[]): string {
  const head = ['projector', 'version', 'state', 'position', 'lag events', 'lag s', 'last error'];
  const lines = rows.flatMap((r) => {
    const version = r.stale ? `${r.codeVersion} (stored ${r.storedVersion}, stale)`
      : r.newer ? `${r.codeVersion} (stored ${r.storedVersion}, newer: upgrade this process)` : `${r.codeVersion}`;
    const line = [r.name, version, r.state, r.position ?? '-', `${r.lagEvents ?? '-'}`, seconds(r.lagSeconds), r.lastError ?? ''];
    const b = r.rebuild;
    return b ? [line, [`  ${r.name}:rebuild`, `${b.version}`, b.state, b.position, `${b.lagEvents}`, seconds(b.lagSeconds), b.lastError ?? '']] : [line];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  return [head, ...lines].map((l) => l.map((cell, i) => (i === l.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

function deadLetterLines(open: readonly DeadLetter[]): string {
  if (open.length === 0) return '';
  const lines = open.map((d) => `  ${d.projector}  ${d.status}  ${d.position}  ${d.type}  ${d.streamId}@${d.streamRevision}  attempts ${d.attempts}  ${d.error}`);
  return `\nevents not applied (substream projections retry|skip <name> <position>):\n${lines.join('\n')}\n`;
}

/** `retry|skip <name> <position>`: resolves one dead letter and says what became of it. */
async function resolve(sub: 'retry' | 'skip', args: string[]): Promise<number> {
  const [name, text, ...rest] = args;
  const projector = allProjectors.find((p) => p.name === name);
  if (!projector) throw new UsageError(`${sub} needs a projector name (one of ${allProjectors.map((p) => p.name).join(', ')})`);
  const position = text === undefined ? undefined : parsePosition(text);
  if (!position || rest.length > 0) throw new UsageError(`${sub} needs one position as commit/prepare (as \`substream projections status\` shows it)`);
  const config = loadConfig();
  const logger = pino({ level: config.LOG_LEVEL, name: 'substream' }, pino.destination(2));
  const runtime = await openRuntime(config, logger);
  try {
    const result = await (sub === 'retry' ? retryDeadLetter : skipDeadLetter)(runtime.db, projector, position);
    const what = `${result.deadLetter.type} ${result.deadLetter.eventId} at ${text}`;
    if (result.outcome === 'failed') {
      process.stderr.write(`${projector.name}: ${what} failed again, still ${result.deadLetter.status}: ${result.error}\n`);
      return EXIT.failed;
    }
    process.stdout.write(`${projector.name}: ${what} ${result.outcome}\n`);
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof NothingToResolve)) throw error;
    process.stderr.write(`${error.message}\n`);
    return EXIT.failed;
  } finally {
    await runtime.close();
  }
}

export const projections: CliCommand = {
  usage,
  async run(argv) {
    const { values, positionals } = parseCliArgs(argv, { all: { type: 'boolean' }, json: { type: 'boolean' }, 'batch-size': { type: 'string' } });
    const [sub, ...names] = positionals;
    if (sub === 'retry' || sub === 'skip') return resolve(sub, names);
    if (sub !== 'rebuild' && sub !== 'status') throw new UsageError(`unknown projections subcommand: ${positionals.join(' ') || '(none)'}`);
    if (sub === 'status' && (names.length > 0 || values.all)) throw new UsageError('status takes no projector name');
    if (sub === 'rebuild' && (values.all ? names.length > 0 : names.length !== 1)) throw new UsageError('rebuild needs one projector name or --all');
    const unknown = names.filter((n) => !allProjectors.some((p) => p.name === n));
    if (unknown.length > 0) throw new UsageError(`unknown projector ${unknown.join(', ')} (one of ${allProjectors.map((p) => p.name).join(', ')})`);
    const config = loadConfig();
    const batchSize = values['batch-size'] === undefined ? config.PROJECTION_BATCH_SIZE : Number(values['batch-size']);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError('--batch-size must be a positive integer');
    const logger = pino({ level: config.LOG_LEVEL, name: 'substream' }, pino.destination(2));
    const runtime = await openRuntime(config, logger);
    const abort = new AbortController();
    const stop = () => abort.abort();
    process.once('SIGINT', stop).once('SIGTERM', stop);
    try {
      if (sub === 'status') {
        const overview = await projectionOverview(runtime.db, allProjectors);
        const deadLetters = await openDeadLetters(runtime.db);
        process.stdout.write(values.json ? `${JSON.stringify({ projectors: overview, deadLetters })}\n` : `${table(overview)}\n${deadLetterLines(deadLetters)}`);
        return EXIT.ok;
      }
      const chosen = values.all ? allProjectors : allProjectors.filter((p) => names.includes(p.name));
      for (const projector of chosen) {
        const progress = createRebuildProgress(process.stderr, projector.name);
        try {
          const result = await rebuildProjector(runtime.db, projector, { batchSize, signal: abort.signal, logger, onProgress: progress.update });
          progress.done();
          if (!result.swapped) {
            process.stderr.write(`rebuild of ${projector.name} interrupted: run the same command again to resume\n`);
            return EXIT.failed;
          }
        } catch (error) {
          progress.done();
          if (error instanceof RebuildInProgress) {
            process.stderr.write(`${error.message}\n`);
            return EXIT.alreadyRunning;
          }
          process.stderr.write(`rebuild of ${projector.name} failed: ${(error as Error).message}\n`);
          return EXIT.failed;
        }
      }
      return EXIT.ok;
    } finally {
      process.off('SIGINT', stop).off('SIGTERM', stop);
      await runtime.close();
    }
  },
};
