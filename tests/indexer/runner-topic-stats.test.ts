import t from 'tap';
import { Networks } from '@stellar/stellar-sdk';
import { parseContracts } from '../../indexer/decoders/contracts.ts';
import { runIndexer } from '../../indexer/runner.ts';
import { contract, i128, rawEvent, sym } from './events.ts';
import { memorySource } from './memory-source.ts';

const decode = { passphrase: Networks.TESTNET, contracts: parseContracts('*') };

t.test('RunStats.byTopic stays bounded when every event has a topic of its own (follow mode runs for months)', async (t) => {
  const token = contract('any-token');
  const events = Array.from({ length: 5_000 }, (_, i) => rawEvent(token, [sym(`topic_${i}`)], i128(1), { ledger: 1_000 + Math.floor(i / 5) }));
  events.push(rawEvent(token, [sym('topic_0')], i128(1), { ledger: 1_999 }));
  const stats = await runIndexer(null, { job: 'topics', source: memorySource(events, { latest: 1_999 }), from: 1_000, to: 1_999, decode, dryRun: true });
  t.equal(stats.events, 5_001);
  const keys = Object.keys(stats.byTopic);
  t.ok(keys.length <= 101, `at most 100 topics and "(other)" are kept, not ${keys.length}`);
  t.equal(Object.values(stats.byTopic).reduce((a, b) => a + b, 0), 5_001, 'every event is still counted');
  t.equal(stats.byTopic.topic_0, 2, 'a topic kept is counted exactly, also after the cap is reached');
  t.ok((stats.byTopic['(other)'] ?? 0) >= 4_900, 'the rest are counted under "(other)"');
});

t.test('topics named like Object.prototype members are counted as plain keys', async (t) => {
  const token = contract('proto-token');
  const events = ['constructor', '__proto__', 'toString', '__proto__'].map((name, i) => rawEvent(token, [sym(name)], i128(1), { ledger: 1_000 + i }));
  const stats = await runIndexer(null, { job: 'proto', source: memorySource(events, { latest: 1_003 }), from: 1_000, to: 1_003, decode, dryRun: true });
  t.same(Object.entries(stats.byTopic).sort(), [['__proto__', 2], ['constructor', 1], ['toString', 1]]);
});
