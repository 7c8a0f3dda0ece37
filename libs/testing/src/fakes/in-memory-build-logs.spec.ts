import { describe, expect, it } from '@jest/globals';
import { describeBuildLogsContract } from '../contracts/build-logs.contract.js';
import { InMemoryBuildEvents } from './in-memory-build-events.js';
import { InMemoryBuildLogs, InMemoryLogArchive } from './in-memory-build-logs.js';

let nextId = 1;

describeBuildLogsContract('InMemoryBuildLogs', async ({ secrets, maxBytes }) => {
  const archive = new InMemoryLogArchive();
  const events = new InMemoryBuildEvents();
  return { logs: new InMemoryBuildLogs({ secrets, maxBytes, archive, events }), archive, events, nextBuildId: () => (nextId += 10) };
});

describe('InMemoryBuildLogs for tests', () => {
  it('shows what a build logged and whether its log closed', async () => {
    const logs = new InMemoryBuildLogs();
    const writer = logs.open(4);
    writer.line('cloning');
    writer.line('building\ndone');
    expect(logs.lines(4)).toEqual(['cloning', 'building', 'done']);
    expect(logs.isClosed(4)).toBe(false);
    await writer.close();
    expect(logs.isClosed(4)).toBe(true);
    expect(logs.text(4)).toBe('cloning\nbuilding\ndone\n');
    expect(await logs.archive.read(4)).toBe('cloning\nbuilding\ndone\n');
    expect(logs.text(5)).toBe('');
  });
});
