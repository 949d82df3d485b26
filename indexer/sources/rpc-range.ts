import { DATALAKE_HINT, RpcError, type RpcClient } from './rpc-client.ts';
import { RetentionGap } from './types.ts';

/** JSON-RPC codes stellar-rpc answers a start ledger outside `[oldestLedger, latestLedger]` with. */
const RANGE_ERROR_CODES = new Set([-32600, -32602]);

/**
 * What a JSON-RPC error to a request starting at `from` means, judged by its code and the node's
 * own `oldestLedger` (getHealth), never by its message: `from` before the oldest ledger throws a
 * {@link RetentionGap} naming the missing range; otherwise the node has not reached `from` yet
 * (`'not-yet'`: wait and ask again). Any other error is rethrown.
 *
 * @example if ((await startError(rpc, error, from, signal)) === 'not-yet') await sleep(pollMs);
 */
export async function startError(rpc: RpcClient, error: unknown, from: number, signal?: AbortSignal): Promise<'not-yet'> {
  if (!(error instanceof RpcError) || !RANGE_ERROR_CODES.has(error.code)) throw error;
  const health = await rpc
    .call<{ oldestLedger?: number; latestLedger?: number }>('getHealth', undefined, signal)
    .catch((healthError: unknown) => {
      if (healthError instanceof RpcError) throw error;
      throw healthError;
    });
  if (health.oldestLedger !== undefined && from < health.oldestLedger) throw retentionGap(rpc, from, health.oldestLedger);
  if (health.oldestLedger === undefined) throw error;
  // Ahead of the node, or (behind a load balancer) of the node that answered: not yet.
  return 'not-yet';
}

/** The gap between `from` and a node whose history starts at `oldestLedger`. */
export function retentionGap(rpc: RpcClient, from: number, oldestLedger: number): RetentionGap {
  return new RetentionGap(`RPC ${rpc.url}`, from, oldestLedger - 1, DATALAKE_HINT);
}
