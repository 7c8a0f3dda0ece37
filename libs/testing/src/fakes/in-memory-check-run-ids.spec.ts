import { describeCheckRunIdsContract } from '../contracts/check-run-ids.contract.js';
import { InMemoryCheckRunIds } from './in-memory-check-run-ids.js';

describeCheckRunIdsContract('InMemoryCheckRunIds', async () => ({ ids: new InMemoryCheckRunIds(), close: async () => undefined }));
