import type { RebuildProgress } from '../projections/rebuild.ts';
import { clock, rate } from './progress.ts';

/**
 * The progress of one projection rebuild: a bar with events/s and ETA on a TTY (redrawn at most 10
 * times a second), plain lines every `intervalMs` elsewhere; on stderr, so stdout stays clean.
 *
 * @example const progress = createRebuildProgress(process.stderr, 'subscriptions'); … progress.update(p); progress.done();
 */
export function createRebuildProgress(out: NodeJS.WriteStream, name: string, options: { intervalMs?: number; now?: () => number } = {}) {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const tty = out.isTTY === true;
  const interval = tty ? 100 : (options.intervalMs ?? 5_000);
  let last = -Infinity;
  let latest: RebuildProgress | null = null;
  let shown = false;

  const render = (p: RebuildProgress): string => {
    const seconds = (now() - started) / 1000;
    const fraction = p.total > 0 ? Math.min(1, p.read / p.total) : 1;
    const perSecond = p.read / Math.max(seconds, 1e-3);
    const eta = perSecond > 0 ? (p.total - p.read) / perSecond : Infinity;
    const counts = `${p.read}/${p.total} events (${(fraction * 100).toFixed(1)}%), ${p.applied} applied`;
    if (!tty) return `rebuild ${name}: ${counts}, ${rate(p.read, seconds)} events/s, ETA ${clock(eta)}\n`;
    const width = 30;
    const filled = Math.round(fraction * width);
    return `\r${name} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${counts} | ${rate(p.read, seconds)} events/s | ETA ${clock(eta)}\x1b[K`;
  };

  return {
    update(p: RebuildProgress) {
      latest = p;
      shown = false;
      const t = now();
      if (t - last < interval) return;
      last = t;
      shown = true;
      out.write(render(p));
    },
    done() {
      if (latest && !shown) out.write(render(latest));
      if (tty && latest) out.write('\n');
    },
  };
}
