import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { localStellarSecret } from '../../platform/secrets.ts';
import { signToken } from '../../platform/tokens.ts';
import { issueChallenge, redeemChallenge, sep10Settings } from '../auth/sep10.ts';
import { errorResponses } from '../schemas/common.ts';

const ChallengeQuery = z.object({
  account: z.string().describe('The client account, G… or M…'),
  memo: z.string().optional().describe('An ID memo, for a shared (custodial) account'),
  home_domain: z.string().optional(),
  client_domain: z.string().optional().describe('The wallet\'s domain; its stellar.toml SIGNING_KEY must co-sign'),
});
const Challenge = z.object({ transaction: z.string(), network_passphrase: z.string() }).meta({ id: 'Sep10Challenge' });
const SignedChallenge = z.object({ transaction: z.string().min(1).max(20_000) });
const Token = z.object({ token: z.string().describe('JWT: sub = account, iss = WEB_AUTH_ENDPOINT') }).meta({ id: 'Sep10Token' });

function cors(reply: FastifyReply): FastifyReply {
  return reply.header('access-control-allow-origin', '*');
}

/**
 * SEP-10 Stellar Web Authentication: GET /v1/auth (challenge), POST /v1/auth (token), and
 * /.well-known/stellar.toml (SEP-1) publishing WEB_AUTH_ENDPOINT, SIGNING_KEY, NETWORK_PASSPHRASE.
 */
const sep10: FastifyPluginAsyncZod = async (app) => {
  const { config, db, jwtSecret } = app.services;
  if (!config.SEP10_SIGNING_SECRET && config.DATABASE_URL) {
    app.log.warn('SEP10_SIGNING_SECRET is unset: using a key generated in DATA_DIR, which other instances will not share');
  }
  if (config.OUTBOUND_ALLOW_PRIVATE) app.log.warn('OUTBOUND_ALLOW_PRIVATE=true: client_domain may reach loopback and private addresses (development only)');
  const settings = sep10Settings(config, config.SEP10_SIGNING_SECRET ?? (await localStellarSecret(config.DATA_DIR, 'sep10-signing-secret')));
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.get('/.well-known/stellar.toml', { schema: { tags: ['auth'], response: { 200: z.string() } } }, async (_request, reply) => {
    const toml = [
      `NETWORK_PASSPHRASE = ${JSON.stringify(settings.networkPassphrase)}`,
      `WEB_AUTH_ENDPOINT = ${JSON.stringify(settings.webAuthEndpoint)}`,
      `SIGNING_KEY = ${JSON.stringify(settings.signingKey.publicKey())}`,
      '',
    ].join('\n');
    return cors(reply).type('text/plain; charset=utf-8').send(toml);
  });

  app.options('/v1/auth', async (_request, reply) =>
    cors(reply).header('access-control-allow-methods', 'GET, POST').header('access-control-allow-headers', 'content-type').code(204).send(),
  );

  app.get('/v1/auth', {
    schema: { tags: ['auth'], querystring: ChallengeQuery, response: { 200: Challenge, ...errorResponses } },
  }, async (request, reply) => {
    const { account, memo, home_domain, client_domain } = request.query;
    const transaction = await issueChallenge(db, settings, { account, memo, homeDomain: home_domain, clientDomain: client_domain });
    return cors(reply).send({ transaction, network_passphrase: settings.networkPassphrase });
  });

  app.post('/v1/auth', {
    schema: { tags: ['auth'], body: SignedChallenge, response: { 200: Token, ...errorResponses } },
  }, async (request, reply) => {
    const { subject } = await redeemChallenge(db, settings, request.body.transaction);
    const token = await signToken(jwtSecret, { sub: subject }, config.SEP10_TOKEN_TTL_SECONDS, settings.webAuthEndpoint);
    return cors(reply).send({ token });
  });
};

export default sep10;
