import { afterEach, describe, expect, it } from '@jest/globals';
import type { BuildEvents } from '@drydock/events';
import type { BuildLogs, LogArchive } from '@drydock/logs';

export const CONTRACT_CONFIG_SECRET = 'ghp_configSecret123';

export interface BuildLogsSubjectOptions {
  /** Masked in every log (as AppConfig.secrets): `[CONTRACT_CONFIG_SECRET]`. */
  secrets: readonly string[];
  maxBytes: number;
}

export interface BuildLogsSubject {
  logs: BuildLogs;
  /** The archive `logs` keeps closed logs in. */
  archive: LogArchive;
  /** The channel `logs` hears `build.finished` on. */
  events: BuildEvents;
  /** Ids no other test (or parallel run) uses. */
  nextBuildId(): number;
  close?(): Promise<void>;
}

const BUILD_SECRET = 'clone-token-456';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Consumes a follow in the background; `done` settles when the follow ends. */
function collect(lines: AsyncIterable<string>): { lines: string[]; done: Promise<void> } {
  const seen: string[] = [];
  const done = (async () => {
    for await (const line of lines) seen.push(line);
  })();
  return { lines: seen, done };
}

async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

/** The BuildLogs contract (see build-logs.ts), run against InMemoryBuildLogs and RedisBuildLogs. */
export function describeBuildLogsContract(name: string, makeSubject: (options: BuildLogsSubjectOptions) => Promise<BuildLogsSubject>): void {
  describe(`${name} (BuildLogs contract)`, () => {
    let subject: BuildLogsSubject | undefined;
    const make = async (options: Partial<BuildLogsSubjectOptions> = {}) => {
      subject = await makeSubject({ secrets: [CONTRACT_CONFIG_SECRET], maxBytes: 1024 * 1024, ...options });
      return { ...subject, id: subject.nextBuildId() };
    };

    afterEach(async () => {
      await subject?.close?.();
      subject = undefined;
    });

    it('streams lines in order to a follower started before the first line, and ends it on close', async () => {
      const { logs, archive, id } = await make();
      const follower = collect(logs.follow(id, new AbortController().signal));
      await sleep(100);
      const writer = logs.open(id);
      const expected = Array.from({ length: 300 }, (_, i) => `line ${i}`);
      expected.slice(0, 150).forEach((line) => writer.line(line));
      await sleep(150);
      writer.line(expected.slice(150).join('\n')); // one call, many lines
      await writer.close();
      await follower.done;

      const text = expected.map((line) => `${line}\n`).join('');
      expect(follower.lines).toEqual(expected);
      expect(await archive.read(id)).toBe(text);
      expect(await logs.read(id)).toBe(text);
    });

    it('gives a follower started mid-way the earlier lines first; reads the live log before close', async () => {
      const { logs, archive, id } = await make();
      const writer = logs.open(id);
      writer.line('one');
      writer.line('two');
      await waitFor(async () => (await logs.read(id)) === 'one\ntwo\n');
      expect(await archive.read(id)).toBeUndefined();

      const follower = collect(logs.follow(id, new AbortController().signal));
      writer.line('three');
      await writer.close();
      await follower.done;
      expect(follower.lines).toEqual(['one', 'two', 'three']);
    });

    it('masks configured and per-build secrets before streaming and archiving', async () => {
      const { logs, archive, id } = await make();
      const follower = collect(logs.follow(id, new AbortController().signal));
      const writer = logs.open(id, [BUILD_SECRET]);
      writer.line(`Authorization: token ${CONTRACT_CONFIG_SECRET}`);
      writer.line(`git clone https://x-access-token:${BUILD_SECRET}@github.com/acme/app.git\nagain ${BUILD_SECRET}\r`);
      await writer.close();
      await follower.done;

      const expected = ['Authorization: token ***', 'git clone https://x-access-token:***@github.com/acme/app.git', 'again ***'];
      expect(follower.lines).toEqual(expected);
      expect(await archive.read(id)).toBe(expected.map((line) => `${line}\n`).join(''));
    });

    it('cuts the log at the size cap with one marker line, streamed and archived alike', async () => {
      const { logs, archive, id } = await make({ maxBytes: 1024 });
      const follower = collect(logs.follow(id, new AbortController().signal));
      const writer = logs.open(id);
      for (let i = 0; i < 50; i++) writer.line(`${'x'.repeat(97)}${String(i).padStart(2, '0')}`); // 100 bytes each
      await writer.close();
      await follower.done;

      const lines = ((await archive.read(id)) ?? '').split('\n').slice(0, -1);
      expect(lines).toHaveLength(11);
      expect(lines[9].endsWith('09')).toBe(true);
      expect(lines[10]).toBe('[drydock] log truncated at 1024 bytes');
      expect(follower.lines).toEqual(lines);
    });

    it('yields the archived log of a build with no live log', async () => {
      const { logs, archive, id } = await make();
      await archive.save(id, 'from the archive\nsecond\n');
      const follower = collect(logs.follow(id, new AbortController().signal));
      await follower.done;
      expect(follower.lines).toEqual(['from the archive', 'second']);
      expect(await logs.read(id)).toBe('from the archive\nsecond\n');
    });

    it('waits for a build that has not started logging', async () => {
      const { logs, id } = await make();
      const follower = collect(logs.follow(id, new AbortController().signal));
      await sleep(500);
      const writer = logs.open(id);
      writer.line('started');
      await writer.close();
      await follower.done;
      expect(follower.lines).toEqual(['started']);
    });

    it('stops following promptly when the signal aborts', async () => {
      const { logs, id } = await make();
      const writer = logs.open(id);
      writer.line('still going');
      const abort = new AbortController();
      const follower = collect(logs.follow(id, abort.signal));
      await waitFor(() => follower.lines.length === 1);
      const abortedAt = Date.now();
      abort.abort();
      await follower.done;
      expect(Date.now() - abortedAt).toBeLessThan(1000);
      await writer.close();
    });

    it('ends the follow on build.finished when the log is never closed (a dead worker)', async () => {
      const { logs, events, id } = await make();
      const writer = logs.open(id);
      writer.line('about to crash');
      const follower = collect(logs.follow(id, new AbortController().signal));
      await waitFor(() => follower.lines.length === 1);
      await events.publish({ type: 'build.finished', buildId: id, status: 'error' });
      await follower.done;
      expect(follower.lines).toEqual(['about to crash']);
    });

    it('ends the follow on build.finished of a build that never logged (cancelled while queued)', async () => {
      const { logs, events, id } = await make();
      const other = collect(logs.follow(id + 1, new AbortController().signal));
      const follower = collect(logs.follow(id, new AbortController().signal));
      await sleep(100);
      await events.publish({ type: 'build.finished', buildId: id, status: 'cancelled' });
      await follower.done;
      expect(follower.lines).toEqual([]);
      // another build's follow is not ended by it
      const writer = logs.open(id + 1);
      writer.line('other build');
      await writer.close();
      await other.done;
      expect(other.lines).toEqual(['other build']);
    });

    it('closes once; lines after close are dropped', async () => {
      const { logs, archive, id } = await make();
      const writer = logs.open(id);
      writer.line('only line');
      await Promise.all([writer.close(), writer.close()]);
      writer.line('after close is dropped');
      await writer.close();
      expect(await archive.read(id)).toBe('only line\n');
      expect(await logs.read(id)).toBe('only line\n');
    });

    it('starts afresh when a build is logged again (a retry)', async () => {
      const { logs, id } = await make();
      const first = logs.open(id);
      first.line('first attempt');
      await first.close();

      const second = logs.open(id);
      second.line('second attempt');
      await waitFor(async () => (await logs.read(id)) === 'second attempt\n'); // live, not the archived first attempt
      await second.close();
      const follower = collect(logs.follow(id, new AbortController().signal));
      await follower.done;
      expect(follower.lines).toEqual(['second attempt']);
      expect(await logs.read(id)).toBe('second attempt\n');
    });

    it('lets a run that was handed back or lost go without ending its log; the next run continues it, and its archive holds both', async () => {
      const { logs, archive, id } = await make();
      const first = logs.open(id, [], { id: 'run-1', attempt: 1 });
      first.line('first run');
      await first.abandon();
      first.line('after abandon is dropped');
      expect(await logs.read(id)).toBe('first run\n');
      expect(await archive.read(id)).toBeUndefined();

      const follower = collect(logs.follow(id, new AbortController().signal));
      const second = logs.open(id, [], { id: 'run-2', attempt: 2 });
      second.line('second run');
      await waitFor(() => follower.lines.length === 2);
      await second.close();
      await follower.done;
      expect(follower.lines).toEqual(['first run', 'second run']);
      expect(await archive.read(id)).toBe('first run\nsecond run\n');
    });

    it('fences out a run of an earlier attempt once a later one wrote: no line, no end, no archive of its own', async () => {
      const { logs, archive, id } = await make();
      const lost = logs.open(id, [], { id: 'lost', attempt: 1 });
      lost.line('lost run before');
      await waitFor(async () => (await logs.read(id)) === 'lost run before\n');
      const owner = logs.open(id, [], { id: 'owner', attempt: 2 });
      owner.line('owner run');
      await waitFor(async () => (await logs.read(id)) === 'lost run before\nowner run\n');

      const follower = collect(logs.follow(id, new AbortController().signal));
      lost.line('lost run after');
      await lost.close();
      await sleep(200);
      expect(await archive.read(id)).toBeUndefined();
      expect(await logs.read(id)).toBe('lost run before\nowner run\n');
      owner.line('owner again');
      await owner.close();
      await follower.done;
      expect(follower.lines).toEqual(['lost run before', 'owner run', 'owner again']);
      expect(await archive.read(id)).toBe('lost run before\nowner run\nowner again\n');
    });
  });
}
