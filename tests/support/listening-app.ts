import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';

/**
 * Starts a test app listening on 127.0.0.1 (a free port) and returns its origin, for clients
 * that speak real HTTP (the SDK). `testApp` already closes the app at teardown.
 *
 * @example const baseUrl = await listen(harness.app); new SubstreamClient({ baseUrl, token });
 */
export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}
