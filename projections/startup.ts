import type { Db } from '../platform/database.ts';
import { loadCheckpoint } from './checkpoints.ts';
import { RebuildInProgress } from './rebuild-lock.ts';
import { rebuildProjector } from './rebuild.ts';
import { runProjectors, type RunProjectorsOptions } from './runner.ts';
import type { Projector } from './types.ts';

/**
 * The projectors whose stored model was built by an older `version` than the code's (with `newer`,
 * by a newer one: this process is out of date, mid rolling deploy). A projector with no checkpoint
 * yet (a fresh database) is neither: it starts at the code's version.
 *
 * @example const stale = await staleProjectors(db, allProjectors); // [subscriptionsProjector]
 */
export async function staleProjectors(db: Db, projectors: readonly Projector[], which: 'older' | 'newer' = 'older'): Promise<Projector[]> {
  const stored = await Promise.all(projectors.map((p) => loadCheckpoint(db, p.name)));
  return projectors.filter((p, i) => stored[i] !== undefined && (which === 'older' ? stored[i].version < p.version : stored[i].version > p.version));
}

/**
 * What `serve` and `project` run: every projector follows the log (`runProjectors`), a stale one
 * on its old model too. With `autoRebuild` each stale projector is rebuilt aside meanwhile and
 * swapped in (a projector that had stopped on a failed event follows again after its swap, as it
 * does after any other process's swap); without it, a warning names the stale projectors and the
 * command that rebuilds them. A model newer than the code is never rebuilt down: a warning says to
 * upgrade this process, and its projector does not write into it.
 *
 * @example await runProjections(db, allProjectors, { autoRebuild: config.PROJECTIONS_AUTO_REBUILD, signal, logger });
 */
export async function runProjections(db: Db, projectors: readonly Projector[], options: RunProjectorsOptions & { autoRebuild: boolean }): Promise<void> {
  const { autoRebuild, ...run } = options;
  const { logger, signal } = run;
  const stale = await staleProjectors(db, projectors);
  const names = stale.map((p) => p.name);
  if (stale.length > 0 && !autoRebuild) {
    logger?.warn({ stale: names, command: `npx substream projections rebuild ${names.join('|')}` },
      `stale projections (code version changed): ${names.join(', ')} keep serving their old model; run \`npx substream projections rebuild <name>\` or set PROJECTIONS_AUTO_REBUILD=true`);
  }
  const newer = (await staleProjectors(db, projectors, 'newer')).map((p) => p.name);
  if (newer.length > 0) {
    logger?.warn({ newer }, `model is newer than this code: upgrade this process (${newer.join(', ')} built by a newer version; not followed here)`);
  }
  const follows = projectors.map((p) => runProjectors(db, [p], run));
  const rebuilds = (autoRebuild ? stale : []).map(async (projector) => {
    logger?.info({ projector: projector.name, version: projector.version }, 'stale projection: rebuilding it aside');
    try {
      await rebuildProjector(db, projector, { batchSize: run.batchSize, signal, logger });
    } catch (error) {
      if (error instanceof RebuildInProgress) logger?.info({ projector: projector.name }, 'stale projection: another process is rebuilding it');
      else logger?.error({ err: error, projector: projector.name }, 'automatic rebuild failed; the old model keeps serving');
    }
  });
  await Promise.all([...follows, ...rebuilds]);
}
