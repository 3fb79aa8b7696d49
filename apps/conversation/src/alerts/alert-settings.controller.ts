import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Post,
  Put,
  Query,
  UseGuards,
} from '@nestjs/common';
import { z } from 'zod';
import type { Access } from '@textback/auth';
import { BusinessHours, TimeZone } from '@textback/contracts';
import { alertChannels } from '@textback/domain';
import {
  AccessGuard,
  checkEgressUrl,
  CurrentAccess,
  edge,
  EgressRefusedError,
  Requires,
  requireKnownTenant,
  RUNTIME,
  scopeFor,
  ZodPipe,
  type ServiceRuntime,
} from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import type { ConversationConfig } from '../config';
import { ConversationError } from '../errors';
import { teamRepository as team } from '../team/team.repository';
import { actorOf } from '../threads/threads.controller';
import { AlertChannels } from './alert-channels';
import { alertSettingsRepository as settings } from './alert-settings.repository';

const TenantQuery = z.strictObject({ tenantId: edge.tenantId });
const Settings = z.strictObject({
  channels: z.array(z.enum(alertChannels)).max(3),
  timezone: TimeZone,
  /** When the person is on shift (their local time); null: always. Off shift only urgent threads alert. */
  shifts: BusinessHours.nullable(),
});
/** A browser's PushSubscription as `toJSON()` gives it. */
const Subscription = z.strictObject({
  endpoint: z.url().max(2000),
  expirationTime: z.number().nullable().optional(),
  keys: z.strictObject({
    p256dh: z.base64url().min(80).max(120),
    auth: z.base64url().min(16).max(32),
  }),
});
const Unsubscribe = z.strictObject({ tenantId: edge.tenantId, endpoint: z.url().max(2000) });

/** A person's own alert settings in a brand, and their browsers' push subscriptions. */
@Controller('v1/inbox')
@UseGuards(AccessGuard)
export class AlertSettingsController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<ConversationConfig>,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
    private readonly channels: AlertChannels,
  ) {}

  /** The settings, where the person can be reached, and the key to subscribe to push with. */
  @Get('alert-settings')
  @Requires('inbox:read')
  async get(
    @CurrentAccess() access: Access,
    @Query(new ZodPipe(TenantQuery)) q: z.infer<typeof TenantQuery>,
  ) {
    const [scope, userId] = this.mine(access, q.tenantId);
    const db = this.runtime.db;
    const [saved, contact, subscriptions] = await Promise.all([
      settings.of(db, scope, userId),
      team.contact(db, scope, userId),
      settings.subscriptions(db, scope, userId),
    ]);
    return {
      channels: saved?.channels ?? [...alertChannels],
      timezone: saved?.timezone ?? null,
      shifts: saved?.shifts ?? null,
      reachable: {
        sms: contact?.textPhone != null,
        email: contact?.email != null && this.channels.mailEnabled(),
        push: subscriptions.length,
      },
      vapidPublicKey: this.channels.vapidPublicKey() ?? null,
    };
  }

  @Put('alert-settings')
  @HttpCode(204)
  @Requires('inbox:read')
  async put(
    @CurrentAccess() access: Access,
    @Query(new ZodPipe(TenantQuery)) q: z.infer<typeof TenantQuery>,
    @Body(new ZodPipe(Settings)) s: z.infer<typeof Settings>,
  ) {
    const [scope, userId] = this.mine(access, q.tenantId);
    await settings.save(this.runtime.db, scope, userId, s);
  }

  /** Subscribes this browser; its push service's URL must be one the egress rules allow. */
  @Post('push-subscriptions')
  @HttpCode(204)
  @Requires('inbox:read')
  async subscribe(
    @CurrentAccess() access: Access,
    @Query(new ZodPipe(TenantQuery)) q: z.infer<typeof TenantQuery>,
    @Body(new ZodPipe(Subscription)) s: z.infer<typeof Subscription>,
  ) {
    const [scope, userId] = this.mine(access, q.tenantId);
    try {
      await checkEgressUrl(s.endpoint, {
        allowInsecure: this.runtime.config.EGRESS_ALLOW_INSECURE,
      });
    } catch (err) {
      if (err instanceof EgressRefusedError)
        throw new ConversationError('invalid-request', `endpoint: ${err.message}`);
      throw err;
    }
    await settings.subscribe(this.runtime.db, scope, userId, { endpoint: s.endpoint, ...s.keys });
  }

  @Delete('push-subscriptions')
  @HttpCode(204)
  @Requires('inbox:read')
  async unsubscribe(
    @CurrentAccess() access: Access,
    @Query(new ZodPipe(Unsubscribe)) q: z.infer<typeof Unsubscribe>,
  ) {
    const [scope, userId] = this.mine(access, q.tenantId);
    await settings.unsubscribe(this.runtime.db, scope, userId, q.endpoint);
  }

  /** Alerts are a person's: a machine's credential has none. */
  private mine(access: Access, tenantId: z.infer<typeof TenantQuery>['tenantId']) {
    requireKnownTenant(this.directory, tenantId);
    const scope = scopeFor(access, 'inbox:read', tenantId);
    const { userId } = actorOf(access);
    if (!userId)
      throw new ConversationError('invalid-request', "alert settings are a person's own");
    return [scope, userId] as const;
  }
}
