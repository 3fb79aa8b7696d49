import { LocationProfile } from '@textback/contracts';
import type { LocationSettings, TenantSettings } from './tenancy.requests';

/** A location's whole profile (`location.configured.v1`): its brand's settings and its own. */
export function locationProfileOf(
  tenantId: string,
  tenant: TenantSettings,
  locationId: string,
  version: number,
  s: LocationSettings,
  updatedAt: Date,
): LocationProfile {
  return LocationProfile.parse({
    tenantId,
    locationId,
    version,
    active: s.active,
    brandName: tenant.brandName,
    locationName: s.name,
    vertical: tenant.vertical,
    businessNumbers: s.businessNumbers,
    forwardTo: s.forwardTo,
    ringTimeoutSeconds: s.ringTimeoutSeconds,
    screenCalls: s.screenCalls,
    timezone: s.timezone,
    businessHours: s.businessHours,
    textbackHours: s.textbackHours,
    afterHoursCall: s.afterHoursCall,
    template: s.template,
    ...(s.bookingUrl ? { bookingUrl: s.bookingUrl } : {}),
    dedupeWindowMinutes: s.dedupeWindowMinutes,
    sendDelaySeconds: s.sendDelaySeconds,
    spamNumbers: s.spamNumbers,
    ...(s.averageTicket ? { averageTicket: s.averageTicket } : {}),
    ...(s.onCallNumber ? { onCallNumber: s.onCallNumber } : {}),
    ...(s.onCallWebhookUrl ? { onCallWebhookUrl: s.onCallWebhookUrl } : {}),
    maxFollowUpQuestions: s.maxFollowUpQuestions ?? 2,
    firstReplyTargetMinutes: s.firstReplyTargetMinutes ?? 5,
    ...(tenant.campaignId ? { campaignId: tenant.campaignId } : {}),
    ...(tenant.brandDailyCap ? { brandDailyCap: tenant.brandDailyCap } : {}),
    optOutScope: tenant.optOutScope ?? 'tenant',
    quietHoursApplyToTextback: tenant.quietHoursApplyToTextback ?? false,
    confirmOptOut: tenant.confirmOptOut ?? false,
    ...(tenant.quietHours ? { quietHours: tenant.quietHours } : {}),
    ...(tenant.monthlyPrice ? { monthlyPrice: tenant.monthlyPrice } : {}),
    updatedAt: updatedAt.toISOString(),
  });
}
