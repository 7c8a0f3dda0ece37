import { describeBuildEventsContract } from '../contracts/build-events.contract.js';
import { InMemoryBuildEvents } from './in-memory-build-events.js';

describeBuildEventsContract('InMemoryBuildEvents', async () => {
  const events = new InMemoryBuildEvents();
  return { events, other: events };
});
