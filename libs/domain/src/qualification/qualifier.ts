import * as chrono from 'chrono-node';
import { DateTime } from 'luxon';
import type { Vertical } from '@textback/contracts';
import { urgencyPattern, verticalRules } from './vertical-rules';

export interface QualificationInput {
  readonly text: string;
  readonly vertical: Vertical;
  /** The location's IANA zone: "tomorrow at 9" means 9 there. */
  readonly timezone: string;
  readonly now: Date;
}

export interface Qualification {
  readonly serviceType?: string;
  readonly urgent: boolean;
  /** The emergency rule that matched: the on-call contact is notified. */
  readonly emergency?: string;
  readonly zip?: string;
  readonly requestedTime?: Date;
  /** The words the requested time was read from, e.g. "tomorrow at 9". */
  readonly requestedTimeText?: string;
}

/** The seam for qualifiers: the rules engine today, a language-model one later. */
export interface LeadQualifier {
  qualify(input: QualificationInput): Qualification;
}

/** Reads a requested time in the location's zone, DST-correct (chrono reads, luxon places it). */
function requestedTime(
  text: string,
  timezone: string,
  now: Date,
): { at: Date; text: string } | undefined {
  const offset = DateTime.fromJSDate(now, { zone: timezone }).offset;
  const [hit] = chrono.parse(text, { instant: now, timezone: offset }, { forwardDate: true });
  if (!hit) return undefined;
  const c = hit.start;
  const local = DateTime.fromObject(
    {
      year: c.get('year') ?? undefined,
      month: c.get('month') ?? undefined,
      day: c.get('day') ?? undefined,
      hour: c.isCertain('hour') ? (c.get('hour') ?? 0) : 9,
      minute: c.get('minute') ?? 0,
    },
    { zone: timezone },
  );
  return local.isValid ? { at: local.toJSDate(), text: hit.text } : undefined;
}

export class RulesQualifier implements LeadQualifier {
  qualify(input: QualificationInput): Qualification {
    const rules = verticalRules[input.vertical];
    const serviceType = rules.services.find((s) => s.pattern.test(input.text))?.type;
    const emergency = rules.emergencies.find((e) => e.pattern.test(input.text))?.name;
    const zip = /\b(\d{5})(?:-\d{4})?\b(?!\s*(?:°|degrees?))/i.exec(input.text)?.[1];
    const when = requestedTime(input.text, input.timezone, input.now);
    return {
      ...(serviceType ? { serviceType } : {}),
      urgent: emergency !== undefined || urgencyPattern.test(input.text),
      ...(emergency ? { emergency } : {}),
      ...(zip ? { zip } : {}),
      ...(when ? { requestedTime: when.at, requestedTimeText: when.text } : {}),
    };
  }
}
