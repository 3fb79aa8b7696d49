import { parse } from 'csv-parse/sync';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { DateTime } from 'luxon';

/** How a call in a business's own call log ended, in the few words the projection needs. */
export type LoggedOutcome =
  'answered' | 'no-answer' | 'busy' | 'voicemail' | 'abandoned' | 'failed';

export interface LoggedCall {
  /** 1-based line in the file (the header is line 1). */
  line: number;
  at: DateTime;
  /** E.164. */
  caller: string;
  outcome: LoggedOutcome;
  durationSeconds: number;
}

export interface RejectedLine {
  line: number;
  reason: string;
}

export interface CallLog {
  calls: LoggedCall[];
  rejected: RejectedLine[];
}

export class CallLogError extends Error {}

/** Column names phone systems export, mapped to the four the projection reads. */
const COLUMN_ALIASES: Record<string, 'time' | 'caller' | 'outcome' | 'duration'> = {
  time: 'time',
  date: 'time',
  datetime: 'time',
  timestamp: 'time',
  started: 'time',
  start_time: 'time',
  caller: 'caller',
  from: 'caller',
  caller_id: 'caller',
  number: 'caller',
  phone: 'caller',
  outcome: 'outcome',
  status: 'outcome',
  result: 'outcome',
  disposition: 'outcome',
  duration: 'duration',
  duration_seconds: 'duration',
  seconds: 'duration',
};

/** Outcome words seen in call-log exports (Plivo, Twilio, RingCentral, carriers' portals). */
const OUTCOME_WORDS: Record<string, LoggedOutcome> = {
  answered: 'answered',
  completed: 'answered',
  connected: 'answered',
  'no-answer': 'no-answer',
  'no answer': 'no-answer',
  noanswer: 'no-answer',
  missed: 'no-answer',
  unanswered: 'no-answer',
  'ring-no-answer': 'no-answer',
  busy: 'busy',
  voicemail: 'voicemail',
  'voice mail': 'voicemail',
  'left voicemail': 'voicemail',
  abandoned: 'abandoned',
  'hung up': 'abandoned',
  'hang-up': 'abandoned',
  hangup: 'abandoned',
  canceled: 'abandoned',
  cancelled: 'abandoned',
  failed: 'failed',
};

const TIME_FORMATS = [
  'yyyy-MM-dd HH:mm:ss',
  'yyyy-MM-dd HH:mm',
  'M/d/yyyy H:mm:ss',
  'M/d/yyyy H:mm',
  'M/d/yyyy h:mm a',
  'M/d/yyyy h:mm:ss a',
];

/**
 * Reads a call log (CSV with a header row: time, caller, outcome, duration, or their common
 * aliases). Each bad line is rejected with its reason; the rest are read. Times without an
 * offset are in `timezone`; numbers without a country code are in `defaultCountry`.
 */
export function readCallLog(
  csv: string,
  options: { timezone: string; defaultCountry?: CountryCode; maxRows?: number },
): CallLog {
  let records: string[][];
  try {
    records = parse(csv, {
      bom: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
    }) as string[][];
  } catch (err) {
    throw new CallLogError(`not readable as CSV: ${(err as Error).message}`);
  }
  const [header, ...rows] = records;
  if (!header)
    throw new CallLogError(
      'empty file: expected a header row (time, caller, outcome, duration) and calls',
    );
  const columns = header.map((h) => COLUMN_ALIASES[h.toLowerCase().replace(/[\s-]+/g, '_')]);
  const index = (name: 'time' | 'caller' | 'outcome' | 'duration'): number => columns.indexOf(name);
  const missing = (['time', 'caller', 'outcome'] as const).filter((c) => index(c) < 0);
  if (missing.length > 0)
    throw new CallLogError(
      `header: missing column(s) ${missing.join(', ')} (found ${header.join(', ')})`,
    );
  const maxRows = options.maxRows ?? 100_000;
  if (rows.length > maxRows)
    throw new CallLogError(`too many calls: ${rows.length} (at most ${maxRows} per upload)`);

  const calls: LoggedCall[] = [];
  const rejected: RejectedLine[] = [];
  rows.forEach((row, i) => {
    const line = i + 2;
    const cell = (name: 'time' | 'caller' | 'outcome' | 'duration'): string =>
      index(name) >= 0 ? (row[index(name)] ?? '') : '';
    const at = readTime(cell('time'), options.timezone);
    if (!at)
      return rejected.push({
        line,
        reason: `time: "${cell('time')}" is not a date and time (ISO 8601, YYYY-MM-DD HH:mm or M/D/YYYY H:mm)`,
      });
    const phone = parsePhoneNumberFromString(cell('caller'), options.defaultCountry ?? 'US');
    if (!phone?.isValid())
      return rejected.push({ line, reason: 'caller: not a valid phone number' });
    const outcome = OUTCOME_WORDS[cell('outcome').toLowerCase()];
    if (!outcome)
      return rejected.push({
        line,
        reason: `outcome: "${cell('outcome')}" is not one of answered, no-answer, busy, voicemail, abandoned, failed`,
      });
    const durationSeconds = readDuration(cell('duration'));
    if (durationSeconds === undefined)
      return rejected.push({
        line,
        reason: `duration: "${cell('duration')}" is not seconds or [h:]mm:ss`,
      });
    calls.push({ line, at, caller: phone.number, outcome, durationSeconds });
    return undefined;
  });
  return { calls, rejected };
}

function readTime(text: string, zone: string): DateTime | undefined {
  if (!text) return undefined;
  const iso = DateTime.fromISO(text, { zone, setZone: true });
  if (iso.isValid) return iso;
  for (const format of TIME_FORMATS) {
    const t = DateTime.fromFormat(text, format, { zone });
    if (t.isValid) return t;
  }
  return undefined;
}

function readDuration(text: string): number | undefined {
  if (text === '') return 0;
  if (/^\d+$/.test(text)) return Number(text);
  const clock = /^(?:(\d+):)?(\d{1,2}):(\d{2})$/.exec(text);
  if (!clock) return undefined;
  return Number(clock[1] ?? 0) * 3600 + Number(clock[2]) * 60 + Number(clock[3]);
}
