import { randomBytes, randomUUID } from 'node:crypto';
import { Keypair, StrKey } from '@stellar/stellar-sdk';
import type { CommandContext } from '../../commands/context.ts';

export const account = (): string => Keypair.random().publicKey();
export const contract = (): string => StrKey.encodeContract(randomBytes(32));

export const context = (actor: string, now = '2026-03-01T10:00:00.000Z'): CommandContext => ({ actor, now, correlationId: randomUUID() });
