import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Address, nativeToScVal, scValToNative, TransactionBuilder, xdr, type Operation, type Transaction } from '@stellar/stellar-sdk';

/** One simulated call the server answered: which getter, for which pair. */
export interface SimulatedCall {
  contractId: string;
  fn: string;
  args: string[];
}

/**
 * A local Stellar RPC answering `simulateTransaction` as stellar-rpc does: it parses the
 * envelope with the SDK, requires one `invokeHostFunction` calling `contractId`, and returns the
 * i128 `totals(subscriber)` gives as the result's base64 ScVal (a missing pair: a simulation
 * error). Any other method, or a malformed request, is a JSON-RPC error. Closed at teardown.
 */
export async function simulateServer(
  t: { teardown(fn: () => unknown): void }, networkPassphrase: string, contractId: string, totals: (subscriber: string) => bigint | undefined,
): Promise<{ url: string; calls: SimulatedCall[] }> {
  const calls: SimulatedCall[] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: number; method: string; params?: { transaction?: string } };
    const answer = (payload: object) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ jsonrpc: '2.0', id: body.id, ...payload }));
    };
    if (request.method !== 'POST' || body.method !== 'simulateTransaction' || typeof body.params?.transaction !== 'string') {
      return answer({ error: { code: -32601, message: `unsupported: ${body.method}` } });
    }
    const transaction = TransactionBuilder.fromXDR(body.params.transaction, networkPassphrase) as Transaction;
    const [operation] = transaction.operations as Operation.InvokeHostFunction[];
    if (transaction.operations.length !== 1 || operation?.type !== 'invokeHostFunction') return answer({ error: { code: -32602, message: 'not one invokeHostFunction' } });
    if (operation.func.type !== 'hostFunctionTypeInvokeContract') return answer({ error: { code: -32602, message: 'not a contract call' } });
    const invoke = operation.func.invokeContract;
    const call = {
      contractId: Address.fromScAddress(invoke.contractAddress).toString(),
      fn: invoke.functionName.toString(),
      args: invoke.args.map((a: xdr.ScVal) => String(scValToNative(a))),
    };
    calls.push(call);
    if (call.contractId !== contractId) return answer({ result: { error: 'HostError: contract not found', latestLedger: 100 } });
    const total = totals(call.args[0]!);
    if (total === undefined) return answer({ result: { error: 'HostError: Error(Contract, #1) no such subscription', latestLedger: 100 } });
    answer({ result: { results: [{ auth: [], xdr: nativeToScVal(total, { type: 'i128' }).toXDR('base64') }], latestLedger: 100, minResourceFee: '1000', transactionData: '' } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls };
}
