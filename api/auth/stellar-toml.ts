import { stringify } from 'smol-toml';
import type { Config } from '../../platform/config.ts';
import type { Sep10Settings } from './sep10.ts';

/**
 * This server's SEP-1 stellar.toml: NETWORK_PASSPHRASE, WEB_AUTH_ENDPOINT and SIGNING_KEY for
 * SEP-10, and the [DOCUMENTATION] table (ORG_* from the configuration) that SDF's wallet SDK reads
 * unconditionally. Written by a TOML serialiser, so any configured text is escaped correctly.
 *
 * @example reply.type('text/plain; charset=utf-8').send(stellarToml(config, settings));
 */
export function stellarToml(config: Config, settings: Sep10Settings): string {
  const documentation: Record<string, string> = {
    ORG_NAME: config.ORG_NAME,
    ORG_URL: config.ORG_URL ?? `https://${settings.homeDomain}`,
    ORG_DESCRIPTION: config.ORG_DESCRIPTION,
  };
  if (config.ORG_OFFICIAL_EMAIL) documentation.ORG_OFFICIAL_EMAIL = config.ORG_OFFICIAL_EMAIL;
  if (config.ORG_SUPPORT_EMAIL) documentation.ORG_SUPPORT_EMAIL = config.ORG_SUPPORT_EMAIL;
  return `${stringify({
    NETWORK_PASSPHRASE: settings.networkPassphrase,
    WEB_AUTH_ENDPOINT: settings.webAuthEndpoint,
    SIGNING_KEY: settings.signingKey.publicKey(),
    DOCUMENTATION: documentation,
  })}\n`;
}
