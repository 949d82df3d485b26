import { setTimeout as sleep } from 'node:timers/promises';
import type { ReadAllOptions, RecordedEvent, SubscribeOptions } from './types.ts';

/**
 * A polling subscription over any adapter's `readAll`: yields non-empty batches in global order,
 * checkpointing on the last position, and sleeps between polls once caught up.
 *
 * @example for await (const batch of pollAll((o) => readAllEvents(db, o), { signal })) apply(batch);
 */
export async function* pollAll(
  readAll: (options: ReadAllOptions) => Promise<RecordedEvent[]>,
  options: SubscribeOptions = {},
): AsyncGenerator<RecordedEvent[]> {
  const limit = options.limit ?? 1_000;
  const interval = options.pollIntervalMs ?? 100;
  let after = options.after;
  while (!options.signal?.aborted) {
    const batch = await readAll(after ? { after, limit } : { limit });
    if (batch.length > 0) {
      after = batch[batch.length - 1]!.position;
      yield batch;
    }
    if (batch.length < limit) await sleep(interval, undefined, { signal: options.signal }).catch(() => undefined);
  }
}
