import t from 'tap';
import { CLOSE_SLOW_CONSUMER, liveClient, type LiveSocket } from '../../api/live/client.ts';
import { decodePosition, encodePosition, viewCounts, type LiveMessage } from '../../api/live/messages.ts';
import type { RecordedEvent } from '../../eventstore/types.ts';

function fakeSocket() {
  const socket = { readyState: 1, bufferedAmount: 0, sent: [] as LiveMessage[], closed: null as number | null, pings: 0, terminated: false };
  const live: LiveSocket = {
    get readyState() {
      return socket.readyState;
    },
    get bufferedAmount() {
      return socket.bufferedAmount;
    },
    send: (data) => void socket.sent.push(JSON.parse(String(data)) as LiveMessage),
    close: (code) => void ((socket.closed = code), (socket.readyState = 3)),
    terminate: () => void (socket.terminated = true),
    ping: () => void (socket.pings += 1),
  };
  return { socket, live };
}

const tagged = (n: number) => ({
  at: { commit: 1n, prepare: BigInt(n) },
  delta: { position: `1-${n}`, type: 'SubscriptionBilled', streamId: 's', recordedAt: '2026-11-23T00:00:00.000Z', data: { n } },
});
const limits = { coalesceBytes: 1_000, maxBufferedBytes: 10_000, maxPendingDeltas: 50 };

t.test('positions round-trip as opaque tokens; junk is refused', async (t) => {
  t.same(decodePosition(encodePosition({ commit: 123n, prepare: 456n })), { commit: 123n, prepare: 456n });
  for (const junk of ['', '1', '1-', 'a-1', '1-2-3', '-1-2']) t.equal(decodePosition(junk), null, junk);
});

t.test('a lagging client gets one coalesced message when its socket drains', async (t) => {
  const { socket, live } = fakeSocket();
  const client = liveClient(live, 'T', null, limits);
  client.deliver([tagged(1)]);
  t.equal(socket.sent.length, 1, 'sent at once while keeping up');
  socket.bufferedAmount = 5_000;
  for (let n = 2; n <= 11; n += 1) client.deliver([tagged(n)]);
  client.addViews(new Map([['c1', 2]]));
  client.addViews(new Map([['c1', 3], ['c2', 1]]));
  t.equal(socket.sent.length, 1, 'held while the socket is backed up');
  socket.bufferedAmount = 0;
  client.flush();
  t.equal(socket.sent.length, 3);
  t.match(socket.sent[1], { type: 'deltas', position: '1-11' });
  t.equal((socket.sent[1] as { deltas: unknown[] }).deltas.length, 10, 'ten deltas in one message');
  t.match(socket.sent[2], { type: 'views', counts: { c1: 5, c2: 1 } }, 'view counts summed');
});

t.test('deltas at or before the cursor are skipped (the replay seam)', async (t) => {
  const { socket, live } = fakeSocket();
  const client = liveClient(live, 'T', { commit: 1n, prepare: 3n }, limits);
  client.deliver([tagged(2), tagged(3), tagged(4)]);
  client.deliver([tagged(4), tagged(5)]);
  t.same(socket.sent.flatMap((m) => (m.type === 'deltas' ? m.deltas.map((d) => d.position) : [])), ['1-4', '1-5']);
});

t.test('a client past the bounded queue or socket buffer is dropped with 4429, and keeps nothing', async (t) => {
  const queued = fakeSocket();
  const client = liveClient(queued.live, 'T', null, limits);
  queued.socket.bufferedAmount = 5_000;
  for (let n = 1; n <= 51; n += 1) client.deliver([tagged(n)]);
  t.equal(queued.socket.closed, CLOSE_SLOW_CONSUMER);
  client.deliver([tagged(52)]);
  t.equal(queued.socket.sent.length, 0);

  const buffered = fakeSocket();
  const other = liveClient(buffered.live, 'T', null, limits);
  buffered.socket.bufferedAmount = 20_000;
  other.deliver([tagged(1)]);
  t.equal(buffered.socket.closed, CLOSE_SLOW_CONSUMER);
});

t.test('heartbeat: a missed pong terminates the socket', async (t) => {
  const { socket, live } = fakeSocket();
  const client = liveClient(live, 'T', null, limits);
  t.ok(client.ping());
  client.pong();
  t.ok(client.ping());
  t.notOk(client.ping(), 'no pong since the last ping');
  t.ok(socket.terminated);
  t.equal(socket.pings, 2);
});

t.test('view counts per content from a view event', async (t) => {
  const event = { type: 'ViewEventsRecorded', data: { items: [{ contentId: 'a' }, { contentId: 'b' }, { contentId: 'a' }] } } as unknown as RecordedEvent;
  t.same(Object.fromEntries(viewCounts(event)), { a: 2, b: 1 });
  t.same(viewCounts({ ...event, type: 'Other' }).size, 0);
});
