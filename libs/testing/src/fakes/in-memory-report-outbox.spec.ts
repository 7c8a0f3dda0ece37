import { describeReportOutboxContract } from '../contracts/report-outbox.contract.js';
import { InMemoryReportOutbox } from './in-memory-report-outbox.js';

describeReportOutboxContract('InMemoryReportOutbox', async () => ({ outbox: new InMemoryReportOutbox(), close: async () => undefined }));
