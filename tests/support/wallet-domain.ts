import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WalletDomain {
  /** `127.0.0.1:<port>`, usable as a SEP-10 `client_domain`. */
  domain: string;
  /** TCP connections the server accepted so far (an outbound request that never happened leaves 0). */
  connections(): number;
  /** Request paths the server saw, in order. */
  paths: string[];
}

/**
 * A real local HTTP server playing a wallet's domain: `handler` answers every request (by default
 * `toml` at /.well-known/stellar.toml, 404 elsewhere). Closed at teardown.
 *
 * @example const wallet = await walletDomain(t, { toml: `SIGNING_KEY = "${key.publicKey()}"` });
 */
export async function walletDomain(
  t: { teardown(fn: () => unknown): void },
  options: { toml?: string; handler?: (request: IncomingMessage, response: ServerResponse) => void } = {},
): Promise<WalletDomain> {
  const paths: string[] = [];
  let connections = 0;
  const handler = options.handler ?? ((request: IncomingMessage, response: ServerResponse) => {
    if (request.url === '/.well-known/stellar.toml' && options.toml !== undefined) response.writeHead(200, { 'content-type': 'text/plain' }).end(options.toml);
    else response.writeHead(404).end();
  });
  const server = createServer((request, response) => {
    paths.push(request.url ?? '');
    handler(request, response);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => (server.close(resolve), server.closeAllConnections())));
  return { domain: `127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections, paths };
}
