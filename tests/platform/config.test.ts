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

t.test('KAFKA_BROKERS is a comma list of host:port; unset leaves the relay off', async (t) => {
  t.same(loadConfig({ KAFKA_BROKERS: 'kafka:9092, 10.0.0.2:9093' }).KAFKA_BROKERS, ['kafka:9092', '10.0.0.2:9093']);
  t.equal(loadConfig({}).KAFKA_BROKERS, undefined);
  t.match(loadConfig({}), { KAFKA_CLIENT_ID: 'substream', KAFKA_TOPIC_PREFIX: 'substream.' });
  t.throws(() => loadConfig({ KAFKA_BROKERS: 'kafka' }), /KAFKA_BROKERS: must be a comma list of host:port \(got "kafka"\)/);
  t.throws(() => loadConfig({ KAFKA_BROKERS: ',' }), /KAFKA_BROKERS: must be a comma list/);
  t.throws(() => loadConfig({ KAFKA_TOPIC_PREFIX: 'bad prefix/' }), /KAFKA_TOPIC_PREFIX/);
});

t.test('NODE_ENV=production refuses to start without the secrets every instance must share', async (t) => {
  const secrets = {
    JWT_SECRET: 'j'.repeat(40),
    API_KEY_PEPPER: 'p'.repeat(40),
    SEP10_SIGNING_SECRET: 'SABQGAYDAMBQGAYDAMBQGAYDAMBQGAYDAMBQGAYDAMBQGAYDAMBQGC45',
    PII_MASTER_KEY: Buffer.alloc(32, 1).toString('base64'),
  };
  const error = (() => {
    try {
      loadConfig({ NODE_ENV: 'production' });
    } catch (e) {
      return e;
    }
  })();
  t.type(error, ConfigError, 'no secrets at all');
  for (const name of Object.keys(secrets)) t.match((error as Error).message, new RegExp(`${name}: required when NODE_ENV=production`), name);
  for (const name of Object.keys(secrets)) {
    const without = { ...secrets, NODE_ENV: 'production', [name]: '' };
    t.throws(() => loadConfig(without), new RegExp(`${name}: required`), `only ${name} missing (empty counts as unset)`);
  }
  t.equal(loadConfig({ ...secrets, NODE_ENV: 'production' }).NODE_ENV, 'production', 'all set: starts');
  t.doesNotThrow(() => loadConfig({ NODE_ENV: 'development' }), 'outside production the secrets may be generated in DATA_DIR');
  t.doesNotThrow(() => loadConfig({}), 'NODE_ENV unset: development');
});
