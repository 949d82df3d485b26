import t from 'tap';
import { parseSubscriptionId, subscriptionId } from '../../commands/subscription-id.ts';
import { account, contract } from './fixtures.ts';

t.test('round-trips accounts and contracts', async (t) => {
  const subscriber = account();
  const creator = contract();
  const id = subscriptionId(subscriber, creator);
  t.same(parseSubscriptionId(id), { subscriber, creator, streamId: `subscription-${subscriber}-${creator}` });
});

t.test('refuses anything else', async (t) => {
  const a = account();
  const b = account();
  for (const id of ['', a, `${a}-`, `-${b}`, `${a}-${b}-${a}`, `${a}_${b}`, `${a}-GNOTANADDRESS`, `${a.toLowerCase()}-${b}`]) {
    t.equal(parseSubscriptionId(id), null, JSON.stringify(id.slice(0, 20)));
  }
});
