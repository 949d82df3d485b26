/**
 * Builds the real app on a fresh database and serves representative requests over HTTP, then
 * builds a subscription contract call and decodes a mainnet fixture; exits 1 when one of them
 * fails. Run under tests/support/module-recorder.ts by tests/ops/prune.test.ts.
 */
import { readFileSync } from 'node:fs';
import { Keypair } from '@stellar/stellar-sdk';
import { argsVectorXdr } from '../../commands/contract-args.ts';
import { subscribeCall } from '../../commands/contract-call.ts';
import { parseContracts } from '../../indexer/decoders/contracts.ts';
import { decodeEvent } from '../../indexer/decoders/decode.ts';
import { eventsFromTransactionRecord, type TransactionRecord } from '../../indexer/meta/transaction-events.ts';
import { TEST_CONTRACT_ID, testApp } from './app.ts';
import { listen } from './listening-app.ts';

const teardowns: (() => unknown)[] = [];
try {
  const { app } = await testApp({ teardown: (fn) => teardowns.unshift(fn) });
  const origin = await listen(app);
  const get = async (path: string) => {
    const response = await fetch(origin + path);
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
    return response.text();
  };
  for (const path of ['/health', '/ready', '/metrics', '/docs/', '/docs/static/swagger-ui-bundle.js']) await get(path);
  const openapi = JSON.parse(await get('/docs/json')) as { paths: Record<string, unknown> };
  if (!openapi.paths['/v1/auth']) throw new Error('/docs/json lacks /v1/auth');
  const challenge = JSON.parse(await get(`/v1/auth?account=${Keypair.random().publicKey()}`)) as { transaction?: string };
  if (!challenge.transaction) throw new Error('no SEP-10 challenge');

  const call = subscribeCall(TEST_CONTRACT_ID, {
    subscriber: Keypair.random().publicKey(),
    creator: Keypair.random().publicKey(),
    token: TEST_CONTRACT_ID,
    ratePerSecond: 385n,
  });
  if (!argsVectorXdr(call.args)) throw new Error('no contract call XDR');

  const fixture = new URL('../fixtures/stellar/mainnet/rpc-get-transactions.json', import.meta.url);
  const { records } = JSON.parse(readFileSync(fixture, 'utf8')) as { records: TransactionRecord[] };
  const options = { passphrase: 'Public Global Stellar Network ; September 2015', contracts: parseContracts('*') };
  const appends = records
    .flatMap((record) => eventsFromTransactionRecord(record, { ledger: 63800108 }))
    .flatMap((event) => decodeEvent(event, options).appends);
  if (appends.length !== 163) throw new Error(`the fixture decoded to ${appends.length} appends, not 163`);
} finally {
  for (const fn of teardowns) await fn();
}
