import t from 'tap';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { testDatabase } from '../support/database.ts';
import { eventStoreContract } from './contract.ts';

eventStoreContract(t, async () => createPostgresEventStore((await testDatabase(t)).db));
