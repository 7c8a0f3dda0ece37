import type { BuildEventHandler, BuildEventMessage, BuildEvents } from '@drydock/events';

/**
 * BuildEvents in one process: `publish` hands the event to every current subscriber at
 * once (synchronously, before it resolves) and records it in `published`.
 */
export class InMemoryBuildEvents implements BuildEvents {
  /** Every event published, in order. */
  readonly published: BuildEventMessage[] = [];
  private readonly handlers = new Set<BuildEventHandler>();

  async publish(event: BuildEventMessage): Promise<void> {
    this.published.push(event);
    for (const handler of [...this.handlers]) {
      try {
        handler(event);
      } catch {
        // as on Redis: one handler's failure reaches neither the publisher nor the others
      }
    }
  }

  async subscribe(handler: BuildEventHandler): Promise<() => Promise<void>> {
    const own = (event: BuildEventMessage) => handler(event);
    this.handlers.add(own);
    return async () => {
      this.handlers.delete(own);
    };
  }
}
