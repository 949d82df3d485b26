import t from 'tap';
import { contractView } from '../../reconciliation/contract-view.ts';
import { reconcileTenant, reconciliationStreamId } from '../../reconciliation/run.ts';
import type { ReconciliationReport } from '../../reconciliation/types.ts';
import { loadConfig } from '../../platform/config.ts';
import { TEST_CONTRACT_ID } from '../support/app.ts';
import { consistentBooks, HUGE } from './books.ts';
import { simulateServer } from './rpc-simulate-server.ts';

// The contract's own view, read by simulateTransaction from a local RPC server that parses the
// real transaction XDR and answers with a real i128 ScVal.

const NETWORK = loadConfig({}).STELLAR_NETWORK;
const GETTER = 'total_billed';

t.test('a contract that agrees, then one that disagrees on one subscription', async (t) => {
  const books = await consistentBooks(t);
  const [a, b] = books.subscribers;
  const onChain = new Map([[a, BigInt(HUGE) + 250n], [b, 700n]]);
  const rpc = await simulateServer(t, NETWORK, TEST_CONTRACT_ID, (subscriber) => onChain.get(subscriber));
  const deps = { db: books.apiDb, eventStore: books.eventStore, contract: { view: contractView({ rpcUrl: rpc.url, networkPassphrase: NETWORK, contractId: TEST_CONTRACT_ID, getter: GETTER }), getter: GETTER } };

  const agreed = await reconcileTenant(deps, books.creator, 'api', { from: null, to: null });
  const report = agreed.report as ReconciliationReport;
  t.same(report.discrepancies, []);
  t.equal(report.compared.contract, true);
  t.same(report.subscriptions.map((s) => s.contract), [a, b].sort().map((s) => ({ billed: onChain.get(s)!.toString() })), 'the contract\'s exact i128 per subscription');
  t.same(rpc.calls.map((c) => [c.contractId, c.fn, c.args[1]]), [[TEST_CONTRACT_ID, GETTER, books.creator], [TEST_CONTRACT_ID, GETTER, books.creator]],
    'one read-only call per subscription: getter(subscriber, merchant) on the configured contract');
  t.same(rpc.calls.map((c) => c.args[0]).sort(), [a, b].sort());

  onChain.set(b, 699n);
  const disagreed = await reconcileTenant(deps, books.creator, 'api', { from: null, to: null });
  const found = (disagreed.report as ReconciliationReport).discrepancies;
  t.same(found, [{
    scope: 'subscription', subscriptionId: `${b}-${books.creator}`, token: found[0]?.token, against: 'contract', source: `contract ${GETTER}`,
    expected: '700', actual: '699', difference: '-1',
  }], 'the contract holds one stroop less than the log');
  const events = await books.eventStore.readStream(reconciliationStreamId(disagreed.id));
  t.match(events.map((e) => e.data), [{ against: 'contract', difference: '-1', runId: disagreed.id }]);
});

t.test('a subscription the contract cannot read is reported, not counted as agreeing', async (t) => {
  const books = await consistentBooks(t);
  const [a] = books.subscribers;
  const rpc = await simulateServer(t, NETWORK, TEST_CONTRACT_ID, (subscriber) => (subscriber === a ? BigInt(HUGE) + 250n : undefined));
  const view = contractView({ rpcUrl: rpc.url, networkPassphrase: NETWORK, contractId: TEST_CONTRACT_ID, getter: GETTER });
  const run = await reconcileTenant({ db: books.apiDb, eventStore: books.eventStore, contract: { view, getter: GETTER } }, books.creator, 'cli', { from: null, to: null });
  const report = run.report as ReconciliationReport;
  t.same(report.discrepancies, []);
  t.same(report.subscriptions.find((s) => s.subscriber === a)?.contract, { billed: String(BigInt(HUGE) + 250n) });
  t.ok(report.subscriptions.some((s) => s.contract && 'error' in s.contract && /no such subscription/.test(s.contract.error)), 'the simulation error is in the report');
  t.match(report.notes.join('\n'), /could not be read/);
});
