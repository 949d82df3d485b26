import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  /** The raw body, as the receiver must verify it. */
  body: string;
  eventId: string;
}

/** What the receiver does with a request: answer a status (and body), or never answer. */
export type Answer = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

/**
 * A real HTTP webhook receiver on 127.0.0.1 (a free port) that records every request and answers
 * as `answer` decides (by request and how many times that event was received before). Closed at
 * teardown.
 *
 * @example const receiver = await webhookReceiver(t, (r, seen) => (seen === 0 ? { status: 500 } : { status: 200 }));
 */
export async function webhookReceiver(
  t: { teardown(fn: () => unknown): void },
  answer: (request: ReceivedWebhook, seenBefore: number) => Answer = () => ({ status: 200 }),
): Promise<{ url: string; port: number; received: ReceivedWebhook[] }> {
  const received: ReceivedWebhook[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const eventId = String(request.headers['substream-event-id'] ?? '');
      const seen = received.filter((r) => r.eventId === eventId).length;
      const webhook = { headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), eventId };
      received.push(webhook);
      const decision = answer(webhook, seen);
      if (decision === 'hang') {
        hanging.add(response);
        return;
      }
      response.writeHead(decision.status, { 'content-type': 'text/plain', ...decision.headers });
      response.end(decision.body ?? 'ok');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  t.teardown(() => new Promise<void>((done) => {
    for (const response of hanging) response.destroy();
    server.closeAllConnections();
    server.close(() => done());
  }));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/hooks`, port, received };
}
