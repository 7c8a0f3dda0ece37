import { DrydockError, messageOf } from '@drydock/core';
import { redisKey, type RedisPrefix, type RedisPublisher, type RedisSubscriber } from '@drydock/redis';
import { parseBuildEvent } from './build-event-json.js';
import type { BuildEventHandler, BuildEventMessage, BuildEvents } from './build-events.js';

/**
 * BuildEvents on Redis pub/sub, channel `<prefix>:events`, one JSON message per event.
 * The subscriber connection subscribes once, on the first `subscribe`, and hands each
 * valid message to every handler of this process; malformed messages are dropped.
 */
export class RedisBuildEvents implements BuildEvents {
  private readonly channel: string;
  private readonly handlers = new Set<BuildEventHandler>();
  private listening: Promise<void> | undefined;

  constructor(
    private readonly publisher: RedisPublisher,
    private readonly subscriber: RedisSubscriber,
    prefix: RedisPrefix,
  ) {
    this.channel = redisKey(prefix, 'events');
    subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const event = parseBuildEvent(message);
      if (event) for (const handler of [...this.handlers]) deliver(handler, event);
    });
  }

  async publish(event: BuildEventMessage): Promise<void> {
    try {
      await this.publisher.publish(this.channel, JSON.stringify(event));
    } catch (err) {
      throw new DrydockError('infrastructure', `redis: publishing ${event.type} of build ${event.buildId}: ${messageOf(err)}`, { cause: err });
    }
  }

  async subscribe(handler: BuildEventHandler): Promise<() => Promise<void>> {
    await this.listen();
    // a handler added twice still gets one call per event and one unsubscribe
    const own = (event: BuildEventMessage) => handler(event);
    this.handlers.add(own);
    return async () => {
      this.handlers.delete(own);
    };
  }

  private listen(): Promise<void> {
    this.listening ??= this.subscriber.subscribe(this.channel).then(
      () => undefined,
      (err: unknown) => {
        this.listening = undefined;
        throw new DrydockError('infrastructure', `redis: subscribing to ${this.channel}: ${messageOf(err)}`, { cause: err });
      },
    );
    return this.listening;
  }
}

/** One handler's failure reaches neither the others nor the connection. */
function deliver(handler: BuildEventHandler, event: BuildEventMessage): void {
  try {
    handler(event);
  } catch {
    // handlers own their errors
  }
}
