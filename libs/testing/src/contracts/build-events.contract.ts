import { afterEach, describe, expect, it } from '@jest/globals';
import type { BuildEventMessage, BuildEvents } from '@drydock/events';

export interface BuildEventsSubject {
  /** Two handles on one channel, as two processes would have (they may be the same object). */
  events: BuildEvents;
  other: BuildEvents;
  close?(): Promise<void>;
}

/** Collects what a handler receives. */
function recorder(): { seen: BuildEventMessage[]; handler: (event: BuildEventMessage) => void } {
  const seen: BuildEventMessage[] = [];
  return { seen, handler: (event) => seen.push(event) };
}

async function eventually(check: () => void, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** Lets an event that should not arrive have the time to arrive. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

/** The BuildEvents contract (see build-events.ts), run against the fake and against Redis. */
export function describeBuildEventsContract(name: string, makeSubject: () => Promise<BuildEventsSubject>): void {
  describe(`${name} (BuildEvents contract)`, () => {
    let subject: BuildEventsSubject;
    const subscriptions: Array<() => Promise<void>> = [];

    async function subscribed(events: BuildEvents) {
      const rec = recorder();
      subscriptions.push(await events.subscribe(rec.handler));
      return rec;
    }

    afterEach(async () => {
      for (const unsubscribe of subscriptions.splice(0)) await unsubscribe();
      await subject?.close?.();
    });

    it('delivers each event, in order, to every subscriber of the channel', async () => {
      subject = await makeSubject();
      const here = await subscribed(subject.events);
      const there = await subscribed(subject.other);
      const sent: BuildEventMessage[] = [
        { type: 'build.changed', buildId: 7, status: 'running' },
        { type: 'build.cancel_requested', buildId: 7 },
        { type: 'build.finished', buildId: 7, status: 'cancelled' },
      ];
      for (const event of sent) await subject.other.publish(event);
      await eventually(() => expect(here.seen).toEqual(sent));
      await eventually(() => expect(there.seen).toEqual(sent));
    });

    it('publishes without subscribers, and a late subscriber does not get earlier events', async () => {
      subject = await makeSubject();
      await subject.events.publish({ type: 'build.finished', buildId: 1, status: 'success' });
      const late = await subscribed(subject.other);
      await subject.events.publish({ type: 'build.changed', buildId: 2, status: 'queued' });
      await eventually(() => expect(late.seen).toEqual([{ type: 'build.changed', buildId: 2, status: 'queued' }]));
    });

    it('stops delivering once unsubscribed; unsubscribing twice is harmless', async () => {
      subject = await makeSubject();
      const kept = await subscribed(subject.other);
      const dropped = recorder();
      const unsubscribe = await subject.other.subscribe(dropped.handler);
      await subject.events.publish({ type: 'build.changed', buildId: 3, status: 'running' });
      await eventually(() => expect(dropped.seen).toHaveLength(1));
      await unsubscribe();
      await unsubscribe();
      await subject.events.publish({ type: 'build.finished', buildId: 3, status: 'success' });
      await eventually(() => expect(kept.seen).toHaveLength(2));
      await settle();
      expect(dropped.seen).toHaveLength(1);
    });

    it('keeps delivering to the others when one handler throws', async () => {
      subject = await makeSubject();
      subscriptions.push(
        await subject.other.subscribe(() => {
          throw new Error('handler bug');
        }),
      );
      const good = await subscribed(subject.other);
      await subject.events.publish({ type: 'build.cancel_requested', buildId: 4 });
      await subject.events.publish({ type: 'build.cancel_requested', buildId: 5 });
      await eventually(() => expect(good.seen.map((e) => e.buildId)).toEqual([4, 5]));
    });
  });
}
