/** What a progress display is told after every batch. */
export interface ProgressUpdate {
  ledgersDone: number;
  ledgersTotal: number | null;
  events: number;
}

/** `n` per second as `1234` or `56k`. */
export function rate(n: number, seconds: number): string {
  const r = n / Math.max(seconds, 1e-3);
  return r >= 10_000 ? `${(r / 1000).toFixed(0)}k` : r.toFixed(0);
}

/** A duration as `mm:ss` or `h:mm:ss` (`--:--` when unknown). */
export function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/**
 * A progress bar on a TTY (redrawn at most 10 times a second) and plain lines every
 * `intervalMs` elsewhere; both on stderr so stdout stays machine-readable.
 *
 * @example const progress = createProgress(process.stderr); progress.update(u); progress.done();
 */
export function createProgress(out: NodeJS.WriteStream, options: { intervalMs?: number; now?: () => number } = {}) {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const tty = out.isTTY === true;
  const interval = tty ? 100 : (options.intervalMs ?? 5_000);
  let last = -Infinity;
  let latest: ProgressUpdate | null = null;
  let shown = false;

  const render = (u: ProgressUpdate): string => {
    const seconds = (now() - started) / 1000;
    const fraction = u.ledgersTotal ? Math.min(1, u.ledgersDone / u.ledgersTotal) : null;
    const eta = fraction && fraction > 0 ? (seconds / fraction) * (1 - fraction) : Infinity;
    const speed = `${rate(u.ledgersDone, seconds)} ledgers/s, ${rate(u.events, seconds)} events/s`;
    if (!tty) {
      const of = u.ledgersTotal ? `/${u.ledgersTotal} (${((fraction ?? 0) * 100).toFixed(1)}%)` : '';
      return `replay: ${u.ledgersDone}${of} ledgers, ${u.events} events, ${speed}, ETA ${clock(eta)}\n`;
    }
    const width = 30;
    const filled = Math.round((fraction ?? 0) * width);
    const bar = fraction === null ? '' : `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${((fraction ?? 0) * 100).toFixed(1).padStart(5)}% `;
    return `\r${bar}${u.ledgersDone} ledgers ${u.events} events | ${speed} | ETA ${clock(eta)}\x1b[K`;
  };

  return {
    update(u: ProgressUpdate) {
      latest = u;
      shown = false;
      const t = now();
      if (t - last < interval) return;
      last = t;
      shown = true;
      out.write(render(u));
    },
    done() {
      if (latest && !shown) out.write(render(latest));
      if (tty && latest) out.write('\n');
    },
  };
}
