import { Keypair } from '@stellar/stellar-sdk';
import t from 'tap';
import { testApp } from '../support/app.ts';
import { sep10Login } from '../support/sep10-login.ts';

// Found by the attacker review: SEP-10 logins are free (any fresh keypair), and each token had a
// full per-principal budget, so one client IP could multiply its limit by logging in again and
// again. A per-IP ceiling over every request bounds it.
t.test('one client IP is capped however many wallets it logs in as', async (t) => {
  const { app } = await testApp(t, { RATE_LIMIT_PER_MINUTE: '10', RATE_LIMIT_PER_IP_PER_MINUTE: '25', SEP10_CHALLENGES_PER_MINUTE_IP: '30' });
  const statuses: number[] = [];
  let refusedLogin = false;
  for (let i = 0; i < 4 && !refusedLogin; i++) {
    const jwt = await sep10Login(app, Keypair.random()).catch((error: Error) => {
      refusedLogin = /429/.test(error.message);
      return null;
    });
    if (!jwt) break;
    for (let j = 0; j < 10; j++) statuses.push((await app.inject({ method: 'GET', url: '/v1/me/subscriptions', headers: { authorization: `Bearer ${jwt}` } })).statusCode);
  }
  const served = statuses.filter((s) => s === 200).length;
  t.ok(served > 0 && served <= 25, `one IP was served ${served} of ${statuses.length} (its logins count too)`);
  t.ok(statuses.includes(429) || refusedLogin, 'past the IP ceiling: 429, on reads or on the next login');
});
