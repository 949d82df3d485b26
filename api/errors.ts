import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import pg from 'pg';
import { ZodError } from 'zod';
import { DomainError } from '../domain/shared/errors.ts';
import { InvalidEvent, WrongExpectedRevision } from '../eventstore/errors.ts';
import { isDependencyFailure } from '../platform/dependency-failure.ts';

/** An error with its HTTP status, raised by the API layer itself. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly statusCode: number;
  readonly code: string;
  readonly details: unknown;

  constructor(statusCode: number, code: string, message: string, details?: unknown) {
    super(message);
    this.statusCode = statusCode;
    this.code = code;
    this.details = details;
  }
}

export interface HttpError {
  status: number;
  body: { code: string; message: string; details?: unknown };
}

function domainStatus(code: string): number {
  if (code.endsWith('.NOT_FOUND')) return 404;
  if (code.endsWith('.FORBIDDEN')) return 403;
  if (code.endsWith('.EXPIRED') || code.endsWith('.DELETED')) return 410;
  if (code.startsWith('CONFIG.')) return 503;
  return 422;
}

/** The code of a 503 for a dependency (PostgreSQL, Redis) that is unavailable or too slow: retry later with the same key. */
export const DEPENDENCY_UNAVAILABLE = 'DEPENDENCY.UNAVAILABLE';

/** An error from the Stripe SDK (its classes are `Stripe*Error`, with a `rawType` from the API or a connection failure). */
function isProviderError(error: unknown): boolean {
  const type = (error as { type?: unknown })?.type;
  return typeof type === 'string' && /^Stripe[A-Za-z]*Error$/.test(type);
}

/**
 * Maps any error to its status and the one error body. A dependency failure (see
 * isDependencyFailure) is 503 DEPENDENCY.UNAVAILABLE; a payment provider's error 502
 * PAYMENTS.PROVIDER_ERROR; unknown errors and other 5xx become a generic 500 (the caller logs the
 * original with the request id).
 */
export function toHttpError(error: unknown): HttpError {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const details = error.validation.map((v) => ({ path: v.instancePath || '/', message: v.message, where: error.validationContext }));
    return { status: 400, body: { code: 'VALIDATION.FAILED', message: 'the request is not valid', details } };
  }
  if (error instanceof ZodError) {
    const details = error.issues.map((i) => ({ path: `/${i.path.join('/')}`, message: i.message }));
    return { status: 400, body: { code: 'VALIDATION.FAILED', message: 'the request is not valid', details } };
  }
  if (error instanceof ApiError) return { status: error.statusCode, body: { code: error.code, message: error.message, details: error.details } };
  if (error instanceof DomainError) return { status: domainStatus(error.code), body: { code: error.code, message: error.message, details: error.details } };
  if (error instanceof WrongExpectedRevision) {
    return {
      status: 409,
      body: { code: error.code, message: 'the resource changed meanwhile: retry', details: { expected: error.expected, actual: error.actual } },
    };
  }
  if (error instanceof InvalidEvent) return { status: 400, body: { code: 'VALIDATION.FAILED', message: error.message } };
  if (isDependencyFailure(error)) {
    return { status: 503, body: { code: DEPENDENCY_UNAVAILABLE, message: 'a service this request needs is unavailable or too slow: retry later with the same Idempotency-Key' } };
  }
  if (error instanceof pg.DatabaseError && error.code?.startsWith('22')) {
    // SQLSTATE class 22, data exception: a value from the request that PostgreSQL cannot take
    // (an impossible date, a character outside the encoding). The routes' schemas should have
    // refused it first; this keeps a missed case a 400 rather than a 500.
    return { status: 400, body: { code: 'VALIDATION.FAILED', message: 'a value in the request is not valid', details: { sqlstate: error.code } } };
  }
  if (isProviderError(error)) {
    // An upstream's answer (Stripe) is not the client's fault, and its message is the platform's business.
    return { status: 502, body: { code: 'PAYMENTS.PROVIDER_ERROR', message: 'the payment provider refused or failed the request; quote the request id when reporting it' } };
  }
  const status = (error as { statusCode?: number }).statusCode;
  // Only the framework's own 4xx (FST_ERR_*: body too large, bad media type…) pass through: a
  // client library's statusCode is its upstream's answer, never ours to forward.
  if (typeof status === 'number' && status >= 400 && status < 500 && String((error as { code?: string }).code ?? '').startsWith('FST_')) {
    const code = (error as { code?: string }).code ?? 'REQUEST.INVALID';
    return { status, body: { code: `REQUEST.${code.replace(/^FST_ERR_/, '')}`, message: (error as Error).message } };
  }
  return { status: 500, body: { code: 'INTERNAL', message: 'internal error; quote the request id when reporting it' } };
}
