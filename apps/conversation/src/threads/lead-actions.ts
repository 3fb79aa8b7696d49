import { Inject, Injectable } from '@nestjs/common';
import type { TenantScope } from '@textback/persistence';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { ConversationError } from '../errors';
import { LeadRecorder } from './lead-recorder';
import type { LeadRow } from './leads.repository';
import { threadRepository as threads } from './threads.repository';

/** What people, CRMs and partner applications do to a thread's lead: book it, move its stage. */
@Injectable()
export class LeadActions {
  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly leads: LeadRecorder,
  ) {}

  /** Without a value (not known yet), reporting counts the location's average ticket. */
  async book(
    scope: TenantScope,
    threadId: string,
    value: { amountMinor: number; currency: string } | undefined,
  ): Promise<LeadRow> {
    const thread = await this.thread(scope, threadId);
    return this.runtime.transaction(async (tx) => {
      const lead = await this.leads.of(tx, scope, thread, 'engaged');
      return this.leads.change(tx, scope, lead, {
        status: 'booked',
        ...(value ? { valueMinor: value.amountMinor, currency: value.currency } : {}),
      });
    });
  }

  /** Moves the lead to a stage; booking (with its value) is `book`. */
  async setStage(
    scope: TenantScope,
    threadId: string,
    stage: 'new' | 'engaged' | 'qualified' | 'lost',
  ): Promise<LeadRow> {
    const thread = await this.thread(scope, threadId);
    return this.runtime.transaction(async (tx) => {
      const lead = await this.leads.of(tx, scope, thread, 'engaged');
      return lead.status === stage ? lead : this.leads.change(tx, scope, lead, { status: stage });
    });
  }

  private async thread(scope: TenantScope, threadId: string) {
    const thread = await threads.byId(this.runtime.db, scope, threadId);
    if (!thread) throw new ConversationError('not-found', `no thread ${threadId}`);
    return thread;
  }
}
