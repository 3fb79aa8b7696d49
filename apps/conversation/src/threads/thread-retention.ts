import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { systemScope, type SystemScope } from '@textback/persistence';
import { every, RUNTIME, type PeriodicTask, type ServiceRuntime } from '@textback/service-kit';
import type { ConversationConfig } from '../config';
import { retentionRepository as retention } from './retention.repository';

/**
 * Personal data in conversations is kept only while it serves the business: a thread quiet for
 * `CONVERSATION_TEXT_RETENTION_DAYS` loses what was written in it (runtime clock; hourly).
 */
@Injectable()
export class ThreadRetention implements OnApplicationBootstrap, OnModuleDestroy {
  private task: PeriodicTask | undefined;
  /** Retention runs over every tenant's threads. */
  private readonly everyTenant: SystemScope;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime<ConversationConfig>) {
    this.everyTenant = systemScope('conversation: redaction after retention', runtime.logger);
  }

  onApplicationBootstrap(): void {
    this.task = every(
      this.runtime,
      'thread-retention',
      this.runtime.config.REDACTION_INTERVAL_MS,
      () => this.redact(),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.task?.stop();
  }

  async redact(): Promise<number> {
    const days = this.runtime.config.CONVERSATION_TEXT_RETENTION_DAYS;
    const cutoff = new Date(this.runtime.clock.now().getTime() - days * 86_400_000);
    const changed = await this.runtime.transaction((tx) =>
      retention.redactQuietSince(tx, this.everyTenant, cutoff),
    );
    if (changed > 0)
      this.runtime.logger.info({ changed, days }, 'conversation texts removed after retention');
    return changed;
  }
}
