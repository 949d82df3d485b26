import t from 'tap';
import { creatorStreamId } from '../../domain/creator/events.ts';
import { randomAccount, TEST_CONTRACT_ID, testApp } from '../support/app.ts';

// A delegated token (sub = the operator, tenant = the creator) acts for the tenant: every creator
// command writes the tenant's stream, never the delegate's own (found by the attacker review).
t.test('a delegation token registers and prices its tenant, not its subject', async (t) => {
  const { app, token, database } = await testApp(t);
  const [op, a] = [randomAccount(), randomAccount()];
  const auth = { authorization: `Bearer ${await token(op, a)}` };
  const registered = await app.inject({ method: 'POST', url: '/v1/creators', headers: auth, payload: { displayName: 'A' } });
  t.equal(registered.statusCode, 201);
  t.equal(registered.json().creator, a);
  const priced = await app.inject({ method: 'PUT', url: '/v1/creators/me/tiers', headers: auth, payload: { tiers: [{ name: 'bronze', token: TEST_CONTRACT_ID, price: { kind: 'rate', ratePerSecond: '5' } }] } });
  t.equal(priced.statusCode, 200);
  const typesOn = async (creator: string) => (await database.db.selectFrom('events').select('type').where('stream_id', '=', creatorStreamId(creator)).orderBy('stream_revision').execute()).map((e) => e.type);
  t.same(await typesOn(a), ['CreatorRegistered', 'TiersSet'], 'the tenant is registered and priced');
  t.same(await typesOn(op), [], 'the delegate itself is untouched');
});
