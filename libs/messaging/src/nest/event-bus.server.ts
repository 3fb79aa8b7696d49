import { EventPattern, Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import { isTopic, type EventEnvelope, type Topic } from '@textback/contracts';
import type { EventBus } from '../event-bus';

/**
 * Binds Nest `@OnEvent(topic)` handlers (Nest microservice event patterns) to the event bus,
 * so apps declare consumers the Nest way while retries, validation, dead letters and commits
 * stay in one place for both transports.
 */
export class EventBusServer extends Server implements CustomTransportStrategy {
  constructor(private readonly bus: EventBus) {
    super();
  }

  async listen(callback: (err?: unknown) => void): Promise<void> {
    try {
      for (const [pattern, handler] of this.getHandlers()) {
        if (!isTopic(pattern))
          throw new Error(`@OnEvent('${pattern}') is not a topic in @textback/contracts`);
        this.bus.subscribe(pattern, async (event) => {
          const result: unknown = await handler(event);
          if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
        });
      }
      await this.bus.start();
      callback();
    } catch (err) {
      callback(err);
    }
  }

  async close(): Promise<void> {
    await this.bus.stop();
  }

  on(): void {
    // The bus reports through logs and metrics; there are no transport events to forward.
  }

  unwrap<T>(): T {
    return this.bus as unknown as T;
  }
}

/**
 * Marks a method as the consumer of one topic. Typed from the topic table: a method whose argument
 * is another topic's envelope (`@OnEvent('sms.failed.v1') on(e: EventEnvelope<'sms.sent.v1'>)`)
 * does not compile.
 */
export function OnEvent<T extends Topic>(topic: T) {
  return <M extends (event: EventEnvelope<T>) => unknown>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<M>,
  ): void => {
    EventPattern(topic)(target, key, descriptor);
  };
}
