import { ERASURE_PARTICIPANTS } from '../../integration/erasure-participants.ts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { eraseSubject } from '../../commands/erase-subject.ts';
import { getSubjectEmail } from '../../integration/email/addresses.ts';
import { withTenantScope } from '../../platform/tenant-scope.ts';
import { withReadScope } from '../../projections/read-scope.ts';
import { subjectRows } from '../../projections/subject-data/queries.ts';
import { principalOf } from '../auth/principal.ts';
import { commandContext } from '../command-context.ts';
import { encodePosition, POSITION_HEADER } from '../consistency/position-token.ts';
import { ApiError } from '../errors.ts';
import type { RoutePolicy } from '../plugins/route-policy.ts';
import { errorResponses } from '../schemas/common.ts';

const Row = z.record(z.string(), z.unknown());

const SubjectData = z
  .object({
    subject: z.string(),
    generatedAt: z.string(),
    personalDataKey: z.object({ held: z.boolean(), createdAt: z.string().nullable() }).describe('whether personal data of yours is sealed under a live key'),
    creator: Row.nullable(),
    content: z.array(Row),
    invoiceLinks: z.array(Row),
    subscriptions: z.array(Row),
    streams: z.array(Row),
    apiKeys: z.array(Row).describe('name, prefix and scopes: never the key'),
    webhookEndpoints: z.array(Row).describe('never the signing secrets'),
    email: z.object({ address: z.string(), verified: z.boolean(), unsubscribed: z.array(z.string()) }).nullable().describe('the notification address and the kinds turned off'),
  })
  .meta({ id: 'SubjectData' });

const Erased = z
  .object({
    subject: z.string(),
    keysShredded: z.number().int(),
    forgotten: z.record(z.string(), z.number().int()),
    erasedAt: z.string(),
  })
  .meta({ id: 'Erasure' });

/**
 * The caller's own data (GDPR/CCPA): `GET /v1/me/data` hands over everything held about it,
 * `POST /v1/me/erase` crypto-shreds its personal data (README, "Personal data and erasure").
 * The subject is the authenticated address (an API key's: its tenant). Both need `admin:all`:
 * an API key with a narrower scope must not export or destroy a tenant's data.
 */
const me: FastifyPluginAsyncZod = async (app) => {
  const policy = { auth: 'required', scopes: ['admin:all'] } satisfies RoutePolicy;
  const security = [{ bearer: [] }];
  const tags = ['me'];

  app.get('/me/data', {
    config: { policy: { ...policy, reads: ['creators', 'content', 'invoice-links', 'subscriptions', 'streams'] } },
    schema: { tags, security, response: { 200: SubjectData, ...errorResponses } },
  }, async (request) => {
    const subject = principalOf(request).address;
    const db = app.services.db;
    const [rows, key, { apiKeys, webhookEndpoints }, email, unsubscribed] = await Promise.all([
      withReadScope(db, { tenantId: subject, wallet: subject }, (trx) => subjectRows(trx, subject)),
      db.selectFrom('personal_data_keys').select('created_at').where('subject', '=', subject).executeTakeFirst(),
      // The API's own tables are under row-level security: read as the subject's tenant.
      withTenantScope(db, { tenantId: subject }, async (trx) => ({
        apiKeys: await trx.selectFrom('api_keys').select(['id', 'name', 'prefix', 'scopes', 'created_at', 'last_used_at', 'revoked_at']).where('tenant_id', '=', subject).orderBy('created_at').execute(),
        webhookEndpoints: await trx.selectFrom('webhook_endpoints').select(['id', 'url', 'description', 'events', 'status', 'created_at']).where('tenant_id', '=', subject).orderBy('created_at').execute(),
      })),
      getSubjectEmail(db, subject),
      db.selectFrom('email_unsubscribes').select('kind').where('subject', '=', subject).orderBy('kind').execute(),
    ]);
    return {
      subject, generatedAt: new Date().toISOString(),
      personalDataKey: { held: key !== undefined, createdAt: key?.created_at.toISOString() ?? null },
      ...rows, apiKeys, webhookEndpoints,
      email: email ? { address: email.address, verified: email.verified_at !== null, unsubscribed: unsubscribed.map((u) => u.kind) } : null,
    };
  });

  app.post('/me/erase', {
    config: { policy },
    schema: {
      tags, security,
      description: 'Irreversible. `confirm` must repeat the caller\'s own address.',
      body: z.strictObject({ confirm: z.string().min(1).max(200).describe('your own address, repeated') }),
      response: { 200: Erased, ...errorResponses },
    },
  }, async (request, reply) => {
    const subject = principalOf(request).address;
    if (request.body.confirm !== subject) throw new ApiError(422, 'ERASURE.NOT_CONFIRMED', '`confirm` must be your own address: nothing was erased');
    const context = commandContext(request, subject);
    const result = await eraseSubject(app.services.db, subject, { ...context, by: subject }, ERASURE_PARTICIPANTS);
    // Appended in the erasure's own transaction, not through the store the read-your-writes plugin watches.
    reply.header(POSITION_HEADER, encodePosition(result.position));
    return { subject, keysShredded: result.keysShredded, forgotten: result.forgotten, erasedAt: context.now };
  });
};

export default me;
