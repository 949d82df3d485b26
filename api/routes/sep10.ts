import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { localStellarSecret } from '../../platform/secrets.ts';
import { signToken } from '../../platform/tokens.ts';
import { issueChallenge, redeemChallenge, sep10Settings } from '../auth/sep10.ts';
import { stellarToml } from '../auth/stellar-toml.ts';
import { errorResponses } from '../schemas/common.ts';

const ChallengeQuery = z.object({
  account: z.string().describe('The client account, G… or M…'),
  memo: z.string().optional().describe('An ID memo, for a shared (custodial) account'),
  home_domain: z.string().optional(),
  client_domain: z.string().optional().describe('The wallet\'s domain; its stellar.toml SIGNING_KEY must co-sign'),
});
const Challenge = z.object({ transaction: z.string(), network_passphrase: z.string() }).meta({ id: 'Sep10Challenge' });
const SignedChallenge = z.object({ transaction: z.string().min(1).max(20_000) });
const Token = z
  .object({ token: z.string().describe('JWT: iss = WEB_AUTH_ENDPOINT, sub = G…, G…:memo or M…, iat, exp, jti = challenge hash, client_domain when verified') })
  .meta({ id: 'Sep10Token' });

/**
 * SEP-10 Stellar Web Authentication: GET /v1/auth (challenge), POST /v1/auth (token), and
 * /.well-known/stellar.toml (SEP-1) publishing WEB_AUTH_ENDPOINT, SIGNING_KEY, NETWORK_PASSPHRASE
 * and [DOCUMENTATION]. Every response of these routes, errors and preflights included, carries
 * `Access-Control-Allow-Origin: *` (SEP-10 §Cross-Origin Headers, SEP-1), and every error body
 * adds SEP-10's `error` string to the one error shape.
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

  app.addHook('onSend', async (_request, reply) => {
    reply.header('access-control-allow-origin', '*');
  });
  app.addHook('preSerialization', async (_request, reply, payload: unknown) => {
    if (reply.statusCode < 400 || typeof payload !== 'object' || payload === null || !('message' in payload)) return payload;
    return { ...payload, error: payload.message };
  });

  const toml = stellarToml(config, settings);
  const open = { policy: { auth: 'public' } } as const;
  app.get('/.well-known/stellar.toml', { config: open, schema: { tags: ['auth'], response: { 200: z.string() } } }, async (_request, reply) =>
    reply.type('text/plain; charset=utf-8').send(toml),
  );

  const preflight = (methods: string) => async (_request: FastifyRequest, reply: FastifyReply) =>
    reply.header('access-control-allow-methods', methods).header('access-control-allow-headers', 'authorization, content-type').header('access-control-max-age', '86400').code(204).send();
  app.options('/.well-known/stellar.toml', { config: open, schema: { hide: true } }, preflight('GET'));
  app.options('/v1/auth', { config: open, schema: { hide: true } }, preflight('GET, POST'));

  // Challenges cost a signature and a stored row: a budget per client IP and per account of their own.
  const account = (request: FastifyRequest) => {
    const value = (request.query as { account?: unknown } | undefined)?.account;
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  };
  app.get('/v1/auth', {
    config: open,
    onRequest: [
      app.budget('sep10-challenges-ip', config.SEP10_CHALLENGES_PER_MINUTE_IP, (request) => request.ip),
      app.budget('sep10-challenges-account', config.SEP10_CHALLENGES_PER_MINUTE_ACCOUNT, account),
    ],
    schema: { tags: ['auth'], querystring: ChallengeQuery, response: { 200: Challenge, ...errorResponses } },
  }, async (request, reply) => {
    const { account, memo, home_domain, client_domain } = request.query;
    const transaction = await issueChallenge(db, settings, { account, memo, homeDomain: home_domain, clientDomain: client_domain });
    return reply.send({ transaction, network_passphrase: settings.networkPassphrase });
  });

  app.post('/v1/auth', {
    config: open,
    schema: { tags: ['auth'], body: SignedChallenge, response: { 200: Token, ...errorResponses } },
  }, async (request, reply) => {
    const { subject, clientDomain, challengeHash } = await redeemChallenge(db, settings, request.body.transaction);
    const token = await signToken(jwtSecret, { sub: subject, clientDomain, jti: challengeHash }, config.SEP10_TOKEN_TTL_SECONDS, settings.webAuthEndpoint);
    return reply.send({ token });
  });
};

export default sep10;
