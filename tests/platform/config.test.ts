import { Networks } from '@stellar/stellar-sdk';
import t from 'tap';
import { ConfigError, loadConfig } from '../../platform/config.ts';

t.test('defaults make an embedded, single-instance service', async (t) => {
  const config = loadConfig({});
  t.equal(config.PORT, 3000);
  t.equal(config.DATABASE_URL, undefined);
  t.equal(config.REDIS_URL, undefined);
  t.equal(config.STELLAR_NETWORK, Networks.TESTNET);
  t.equal(config.DATA_DIR, './.substream');
});

t.test('network names become passphrases; a passphrase passes through', async (t) => {
  t.equal(loadConfig({ STELLAR_NETWORK: 'mainnet' }).STELLAR_NETWORK, Networks.PUBLIC);
  t.equal(loadConfig({ STELLAR_NETWORK: 'Custom Net ; 2026' }).STELLAR_NETWORK, 'Custom Net ; 2026');
});

t.test('a bad value stops start-up naming every bad variable and what is wrong', async (t) => {
  const error = (() => {
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', JWT_SECRET: 'short', SUBSTREAM_CONTRACT_ID: 'GABC' });
    } catch (e) {
      return e;
    }
  })();
  t.type(error, ConfigError);
  const message = (error as Error).message;
  t.match(message, /PORT: .* \(got "abc"\)/);
  t.match(message, /DATABASE_URL: must be a postgres:\/\/ connection string/);
  t.match(message, /JWT_SECRET: must be at least 32 characters/);
  t.match(message, /SUBSTREAM_CONTRACT_ID: must be a Stellar contract address/);
});

t.test('empty variables count as unset', async (t) => {
  t.equal(loadConfig({ DATABASE_URL: '', PORT: '' }).PORT, 3000);
});
