import { hash } from 'node:crypto';
import type { RawContractEvent } from './sources/types.ts';

/** RFC 4122 namespace of every id the indexer derives (itself uuidv5(URL namespace, 'https://substream.dev/indexer')). */
export const INDEXER_NAMESPACE = 'da4147fa-5a30-5137-a643-0bd2744b99cd';

function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new TypeError(`not a uuid: ${uuid}`);
  return Buffer.from(hex, 'hex');
}

const INDEXER_NAMESPACE_BYTES = uuidBytes(INDEXER_NAMESPACE);

/**
 * RFC 4122 version 5 (SHA-1, name-based) uuid.
 *
 * @example uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8') // '2ed6657d-e927-568b-95e1-2665a8aea6a2'
 */
export function uuidV5(name: string, namespace: string = INDEXER_NAMESPACE): string {
  const ns = namespace === INDEXER_NAMESPACE ? INDEXER_NAMESPACE_BYTES : uuidBytes(namespace);
  const digest = hash('sha1', Buffer.concat([ns, Buffer.from(name, 'utf8')]), 'buffer');
  digest[6] = (digest[6]! & 0x0f) | 0x50;
  digest[8] = (digest[8]! & 0x3f) | 0x80;
  const h = digest.toString('hex', 0, 16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * The identity of a contract event, identical whichever source read it (README, "Event
 * identity"): `network:txHash:operationIndex:eventIndex` for an operation's event,
 * `network:txHash:stage:eventIndex` for a transaction-level event, whose index counts the
 * transaction's events of that stage.
 *
 * @example eventKey(Networks.PUBLIC, { txHash, stage: 'after-all-txs', operationIndex: 0xfff, eventIndex: 0 })
 */
export function eventKey(passphrase: string, event: Pick<RawContractEvent, 'txHash' | 'operationIndex' | 'eventIndex' | 'stage'>): string {
  const place = event.stage === 'operation' ? event.operationIndex : event.stage;
  return `${passphrase}:${event.txHash.toLowerCase()}:${place}:${event.eventIndex}`;
}

/** Id of the raw `ContractEventObserved` fact: uuidv5 of the event key. */
export function rawEventId(passphrase: string, event: RawContractEvent): string {
  return uuidV5(eventKey(passphrase, event));
}

/** Id of the domain fact derived from the event: uuidv5 of the event key + `:fact`. */
export function factEventId(passphrase: string, event: RawContractEvent): string {
  return uuidV5(`${eventKey(passphrase, event)}:fact`);
}

/** Both ids of an event. */
export function eventIds(passphrase: string, event: RawContractEvent): { raw: string; fact: string } {
  return { raw: rawEventId(passphrase, event), fact: factEventId(passphrase, event) };
}
