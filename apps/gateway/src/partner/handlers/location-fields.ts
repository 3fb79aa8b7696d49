import { create, isFieldSet, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  AfterHoursCall,
  LocationSchema,
  TextbackHours,
  type Location,
} from '@textback/contracts/partner';
import type { LocationSettings } from '../../tenancy/tenancy.requests';

const textbackHours = {
  [TextbackHours.ALWAYS]: 'always',
  [TextbackHours.BUSINESS_HOURS]: 'business-hours',
  [TextbackHours.AFTER_HOURS]: 'after-hours',
} as const;
const afterHoursCall = {
  [AfterHoursCall.FORWARD]: 'forward',
  [AfterHoursCall.ANNOUNCE]: 'announce',
} as const;
const reverse = <K extends number, V extends string>(m: Partial<Record<K, V>>) =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [v, Number(k)])) as Record<V, K>;

/** Each Location field as the admin API names and shapes it. */
const adminField: Record<string, [adminKey: string, toAdmin: (l: Location) => unknown]> = {
  displayName: ['name', (l) => l.displayName],
  active: ['active', (l) => l.active],
  businessNumbers: ['businessNumbers', (l) => [...l.businessNumbers]],
  forwardTo: ['forwardTo', (l) => l.forwardTo],
  ringTimeoutSeconds: ['ringTimeoutSeconds', (l) => l.ringTimeoutSeconds],
  timeZone: ['timezone', (l) => l.timeZone],
  businessHours: [
    'businessHours',
    (l) =>
      Object.fromEntries(
        Object.entries(l.businessHours).map(([day, h]) => [
          day,
          h.periods.map((p) => ({ open: p.open, close: p.close })),
        ]),
      ),
  ],
  textbackHours: [
    'textbackHours',
    (l) => textbackHours[l.textbackHours as keyof typeof textbackHours],
  ],
  afterHoursCall: [
    'afterHoursCall',
    (l) => afterHoursCall[l.afterHoursCall as keyof typeof afterHoursCall],
  ],
  template: ['template', (l) => l.template],
  bookingUrl: ['bookingUrl', (l) => l.bookingUrl],
  averageTicket: [
    'averageTicket',
    (l) =>
      l.averageTicket && {
        currency: l.averageTicket.currencyCode,
        amountMinor: Number(l.averageTicket.amountMinor),
      },
  ],
  onCallNumber: ['onCallNumber', (l) => l.onCallNumber],
  onCallWebhookUrl: ['onCallWebhookUrl', (l) => l.onCallWebhookUrl],
  firstReplyTargetMinutes: ['firstReplyTargetMinutes', (l) => l.firstReplyTargetMinutes],
  dedupeWindowMinutes: ['dedupeWindowMinutes', (l) => l.dedupeWindowMinutes],
  sendDelaySeconds: ['sendDelaySeconds', (l) => l.sendDelaySeconds],
};

/**
 * The admin API's request body for a location: `base` (the stored settings, or nothing for a
 * new one) with the named fields of `location` written over it — a named field the message
 * leaves unset goes back to the admin API's default. The admin API's own validation then judges
 * it, so both APIs refuse the same things with the same words.
 */
export function adminBody(
  location: Location,
  fields: readonly string[],
  base: Record<string, unknown> = {},
): Record<string, unknown> {
  const body: Record<string, unknown> = { ...base };
  for (const name of fields) {
    const converter = adminField[name];
    if (!converter) continue;
    const [key, convert] = converter;
    const field = LocationSchema.fields.find((f) => f.localName === name);
    const value = field && isFieldSet(location, field) ? convert(location) : undefined;
    if (value !== undefined) body[key] = value;
    else delete body[key];
  }
  return body;
}

/** A stored location as the partner API shows it. */
export function locationOf(
  tenantId: string,
  r: { locationId: string; version: number; updatedAt: Date; settings: LocationSettings },
): Location {
  const s = r.settings;
  const init: MessageInitShape<typeof LocationSchema> = {
    name: `tenants/${tenantId}/locations/${r.locationId}`,
    displayName: s.name,
    active: s.active,
    businessNumbers: s.businessNumbers,
    forwardTo: s.forwardTo,
    ringTimeoutSeconds: s.ringTimeoutSeconds,
    timeZone: s.timezone,
    businessHours: Object.fromEntries(
      Object.entries(s.businessHours).map(([day, periods]) => [day, { periods: periods ?? [] }]),
    ),
    textbackHours: reverse(textbackHours)[s.textbackHours],
    afterHoursCall: reverse(afterHoursCall)[s.afterHoursCall],
    template: s.template,
    bookingUrl: s.bookingUrl ?? '',
    ...(s.averageTicket
      ? {
          averageTicket: {
            currencyCode: s.averageTicket.currency,
            amountMinor: BigInt(s.averageTicket.amountMinor),
          },
        }
      : {}),
    onCallNumber: s.onCallNumber ?? '',
    onCallWebhookUrl: s.onCallWebhookUrl ?? '',
    firstReplyTargetMinutes: s.firstReplyTargetMinutes,
    dedupeWindowMinutes: s.dedupeWindowMinutes,
    sendDelaySeconds: s.sendDelaySeconds,
    version: BigInt(r.version),
    updateTime: timestampFromDate(r.updatedAt),
  };
  return create(LocationSchema, init);
}
