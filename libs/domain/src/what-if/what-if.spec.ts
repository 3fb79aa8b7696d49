import { CallLogError, projectWhatIf, readCallLog, type WhatIfAssumptions } from './index';

const assumptions: WhatIfAssumptions = {
  replyRate: 0.3,
  qualificationRate: 0.5,
  averageTicketMinor: 25_000,
  currency: 'USD',
  dedupeWindowMinutes: 60,
  monthlyPriceMinor: 30_000,
  messageCostMinor: 0.55,
};

describe('readCallLog', () => {
  it('reads the four columns, their aliases, local times, national numbers and clock durations', () => {
    const log = readCallLog(
      [
        'Date,From,Status,Duration',
        '2026-11-02 09:15,(404) 555-0101,No Answer,0',
        '11/2/2026 9:20 AM,+14045550102,completed,3:05',
        '2026-11-02T09:30:00Z,404-555-0103,voicemail,1:00:00',
      ].join('\n'),
      { timezone: 'America/New_York' },
    );
    expect(log.rejected).toEqual([]);
    expect(log.calls.map((c) => [c.line, c.caller, c.outcome, c.durationSeconds])).toEqual([
      [2, '+14045550101', 'no-answer', 0],
      [3, '+14045550102', 'answered', 185],
      [4, '+14045550103', 'voicemail', 3600],
    ]);
    expect(log.calls[0]!.at.toUTC().toISO()).toBe('2026-11-02T14:15:00.000Z');
    expect(log.calls[2]!.at.toUTC().toISO()).toBe('2026-11-02T09:30:00.000Z');
  });

  it('rejects each bad line with its line number and reason, and keeps the rest', () => {
    const log = readCallLog(
      [
        'time,caller,outcome,duration',
        'yesterday,+14045550101,missed,0',
        '2026-11-02 09:00,12,missed,0',
        '2026-11-02 09:00,+14045550101,transferred,0',
        '2026-11-02 09:00,+14045550101,busy,-4',
        '2026-11-02 09:00,+14045550101,busy,',
      ].join('\n'),
      { timezone: 'UTC' },
    );
    expect(log.rejected).toEqual([
      { line: 2, reason: expect.stringContaining('time: "yesterday"') },
      { line: 3, reason: 'caller: not a valid phone number' },
      { line: 4, reason: expect.stringContaining('outcome: "transferred"') },
      { line: 5, reason: expect.stringContaining('duration: "-4"') },
    ]);
    expect(log.calls).toHaveLength(1);
  });

  it('refuses a file without the needed columns or that is not CSV', () => {
    expect(() => readCallLog('when,who\n2026-11-02,+14045550101', { timezone: 'UTC' })).toThrow(
      new CallLogError('header: missing column(s) time, caller, outcome (found when, who)'),
    );
    expect(() => readCallLog('', { timezone: 'UTC' })).toThrow(CallLogError);
    expect(() =>
      readCallLog('time,caller,outcome\n"unterminated,+1404,busy', { timezone: 'UTC' }),
    ).toThrow(/not readable as CSV/);
  });
});

describe('projectWhatIf', () => {
  const log = readCallLog(
    [
      'time,caller,outcome,duration',
      // 10 distinct callers missed, one of them twice within the hour (texted once), one again the next day.
      ...Array.from(
        { length: 10 },
        (_, i) =>
          `2026-11-02 09:${String(i).padStart(2, '0')},+1404555${String(1000 + i)},no-answer,0`,
      ),
      '2026-11-02 09:30,+14045551000,busy,0',
      '2026-11-03 09:30,+14045551001,voicemail,20',
      '2026-11-02 10:00,+14045559999,answered,300',
    ].join('\n'),
    { timezone: 'America/New_York' },
  );

  it('texts each missed caller once per window and applies the rates to the texts', () => {
    const w = projectWhatIf(log.calls, assumptions);
    expect(w.calls).toMatchObject({ total: 13, answered: 1, missed: 12, uniqueMissedCallers: 10 });
    expect(w.calls.byOutcome).toMatchObject({
      'no-answer': 10,
      busy: 1,
      voicemail: 1,
      answered: 1,
    });
    // 12 missed − 1 within the window = 11 texts; 30% → 3 leads; 50% → 2 qualified; × $250.
    expect(w.projection).toEqual({ texts: 11, leads: 3, qualifiedLeads: 2, revenueMinor: 50_000 });
    expect(w.range.low).toEqual({ texts: 11, leads: 3, qualifiedLeads: 2, revenueMinor: 50_000 });
    expect(w.range.high).toEqual({ texts: 11, leads: 4, qualifiedLeads: 2, revenueMinor: 50_000 });
    // Two days of subscription and 11 texts.
    expect(w.period.days).toBe(2);
    expect(w.cost).toEqual({ subscriptionMinor: 2_000, messagesMinor: 6, totalMinor: 2_006 });
    expect(w.roi).toBe(Math.round(((50_000 - 2_006) / 2_006) * 100) / 100);
  });

  it('has no ROI without a cost and no period without calls', () => {
    const w = projectWhatIf([], { ...assumptions, monthlyPriceMinor: 0 });
    expect(w.roi).toBeNull();
    expect(w.period).toEqual({ from: null, to: null, days: 0 });
    expect(w.projection.texts).toBe(0);
  });
});
