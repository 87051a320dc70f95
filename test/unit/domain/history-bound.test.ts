/**
 * The company record stays bounded: the history keeps its first event and the latest ones (counting the rest in
 * `historyDropped`), and `remindersSent` keeps only keys that can still be due. Positions, notice keys and
 * execution names stay right across the drops.
 */
import {
  currentReminder,
  eventCount,
  eventNoticesDue,
  eventsNotified,
  HISTORY_MAX_BYTES,
  HISTORY_MAX_EVENTS,
  MAX_TRAINEE_DESIGNATIONS,
  historyBytes,
  MAX_REMINDER_KEYS,
  noticesDue,
  remindersDue,
  utf8Bytes,
  type Command,
  type Company,
} from '../../../domain';
import { at, Driver } from './helpers';

const DAY = '2027-03-05';

/** A company in CERTIFICATION_AUDIT whose notices are all sent. */
function notified(): Driver {
  const d = new Driver('AB').toCertificationAudit();
  d.do({ type: 'recordNotifications', through: d.c.history.length, reminderKeys: [] }, DAY, 'system');
  return d;
}

function resubmit(d: Driver, title = 'Acme H&S manual'): void {
  d.do({ ...d.submitCommand(), manualTitle: title }, DAY);
}

const bounce = (i: number): Command => ({
  type: 'recordEmailFeedback',
  feedback: 'bounce',
  recipient: 'contact',
  detail: `Permanent bounce ${i} `.padEnd(400, 'x'),
  messageId: `0100018f-${String(i).padStart(8, '0')}-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee-000000`,
});

describe('the history bound', () => {
  test('hundreds of program updates: the first event and the latest ones are kept, the rest counted', () => {
    const d = notified();
    const first = d.c.history[0];
    let appended = d.c.history.length;
    for (let i = 0; i < 1200; i++) {
      resubmit(d);
      appended += 1;
      expect(d.c.history.length).toBeLessThanOrEqual(1 + HISTORY_MAX_EVENTS);
      expect(eventCount(d.c)).toBe(appended);
    }
    expect(d.c.history[0]).toEqual(first);
    expect(d.c.history[0]?.type).toBe('REGISTERED');
    expect(d.c.historyDropped).toBeGreaterThan(0);
    expect(d.c.history.at(-1)).toBe(d.last?.events.at(-1));
    expect(d.c.history.slice(1).every((e) => e.type === 'PROGRAM_UPDATED')).toBe(true);
  });

  test('an untouched record is not cut: no historyDropped below the bounds', () => {
    const d = notified();
    for (let i = 0; i < 50; i++) resubmit(d);
    expect(d.c.historyDropped).toBeUndefined();
    expect(d.c.history).toHaveLength(eventCount(d.c));
  });

  test('large events: the history stays within its byte budget (UTF-8)', () => {
    const d = notified();
    for (let i = 0; i < 600; i++) {
      if (i % 2) d.do(bounce(i), DAY, 'system');
      else resubmit(d, '€'.repeat(200)); // 600 bytes of title
      expect(historyBytes(d.c.history)).toBeLessThanOrEqual(HISTORY_MAX_BYTES);
    }
    expect(d.c.historyDropped).toBeGreaterThan(0);
    // The whole record (as JSON) stays far below DynamoDB's 400 KB item limit.
    expect(utf8Bytes(JSON.stringify(d.c))).toBeLessThan(200_000);
  });

  test('utf8Bytes counts UTF-8 bytes', () => {
    expect(utf8Bytes('abc')).toBe(3);
    expect(utf8Bytes('é')).toBe(2);
    expect(utf8Bytes('€')).toBe(3);
    expect(utf8Bytes('😀')).toBe(4);
  });

  /** Grows the record with program updates until one more event cuts it. */
  function full(): Driver {
    const d = notified();
    while (d.c.history.length < 1 + HISTORY_MAX_EVENTS) resubmit(d);
    d.do({ type: 'recordNotifications', through: d.c.history.length, reminderKeys: [] }, DAY, 'system');
    expect(d.c.historyDropped).toBeUndefined();
    return d;
  }

  test('the notice of an event appended as the history is cut keeps its key (its absolute index)', () => {
    const d = full();
    const index = eventCount(d.c);
    d.do({ type: 'withdraw', reason: 'closing' }, DAY);
    expect(d.c.historyDropped).toBeGreaterThan(0);
    expect(eventNoticesDue(d.c)).toEqual([
      expect.objectContaining({ key: `EVENT|${index}`, kind: 'withdrawn' }),
    ]);
    // The watermark moved back with the drop: the events before it are still the notified ones.
    expect(d.c.notifiedThrough).toBe(d.c.history.length - 1);
  });

  test('a notifier that read the record before a cut marks only what it saw as notified', () => {
    const d = full();
    const read: Company = structuredClone(d.c);
    d.do({ type: 'withdraw', reason: 'closing' }, DAY); // appended (and cut) while the notifier sends
    const before = d.c;
    d.do(
      {
        type: 'recordNotifications',
        through: read.history.length,
        historyDropped: read.historyDropped ?? 0,
        reminderKeys: [],
      },
      DAY,
      'system',
    );
    expect(eventNoticesDue(d.c).map((n) => n.kind)).toEqual(['withdrawn']);
    expect(eventsNotified(before, d.c)).toEqual([]);
    // The next notifier, which read this record, sends it.
    const sending = d.c;
    const after = d.do(
      { type: 'recordNotifications', through: sending.history.length, reminderKeys: [] },
      DAY,
      'system',
    ).company;
    expect(eventNoticesDue(after)).toEqual([]);
    expect(eventsNotified(sending, after).map((e) => e.type)).toEqual(['WITHDRAWN']);
  });

  test('per-recipient watermarks move back with a cut, and a held person’s notices keep their keys', () => {
    const d = notified();
    while (d.c.history.length < HISTORY_MAX_EVENTS - 3) resubmit(d);
    d.do({ type: 'recordNotifications', through: d.c.history.length, reminderKeys: [] }, DAY, 'system');
    d.audit('certification', 60, DAY); // AUDIT_FAILED and CORRECTIVE_ACTION_REQUIRED: the contact's
    const keys = eventNoticesDue(d.c).map((n) => n.key);
    expect(keys).toHaveLength(2);
    // the contact was emailed today already: held; everyone else is notified through the end
    d.do(
      {
        type: 'recordNotifications',
        through: d.c.history.length,
        reminderKeys: [],
        held: ['contact'],
        emailed: [],
      },
      DAY,
      'system',
    );
    const held = d.c.notifiedThrough!;
    const ahead = d.c.history.length;
    expect(held).toBe(ahead - 2);
    expect(d.c.notifiedThroughBy).toEqual({ trainee: ahead, ops: ahead });
    while (!d.c.historyDropped) resubmit(d);
    const dropped = d.c.historyDropped;
    expect(d.c.notifiedThrough).toBe(held - dropped);
    expect(d.c.notifiedThroughBy).toEqual({ trainee: ahead - dropped, ops: ahead - dropped });
    expect(eventNoticesDue(d.c).map((n) => [n.key, n.recipients])).toEqual(keys.map((k) => [k, ['contact']]));
    // sent the next day: everyone through the end, no per-recipient watermark left
    d.do(
      { type: 'recordNotifications', through: d.c.history.length, reminderKeys: [] },
      '2027-03-06',
      'system',
    );
    expect(eventNoticesDue(d.c)).toEqual([]);
    expect(d.c.notifiedThroughBy).toBeUndefined();
  });

  test('re-run execution names stay unique across cuts (numbered by events ever appended)', () => {
    const d = full();
    const names = new Set<string>();
    for (let i = 0; i < 300; i++) {
      d.do({ type: 'continueExecution' }, DAY, 'system');
      expect(names.has(d.c.execution.name)).toBe(false);
      names.add(d.c.execution.name);
    }
    expect(d.c.historyDropped).toBeGreaterThan(0);
  });
});

describe('remindersSent bound', () => {
  test('keeps the latest keys of open deadlines only, at most MAX_REMINDER_KEYS', () => {
    const d = notified();
    const dueOn = d.c.nextDeadline?.dueOn as string;
    d.do({ type: 'recordReminder', key: 'PROGRAM_SUBMISSION|2027-08-15|2027-03-01' }, DAY, 'system');
    const keys = Array.from({ length: 150 }, (_, i) => `CERTIFICATION_AUDIT|${dueOn}|slot-${1000 + i}`);
    for (const key of keys) d.do({ type: 'recordReminder', key }, DAY, 'system');
    expect(d.c.remindersSent).toEqual(keys.slice(-MAX_REMINDER_KEYS));
  });
});

describe('currentReminder (resend the current step’s reminder now)', () => {
  test('the recipients and days left of the scheduled reminder of that step', () => {
    const d = new Driver('AB').toTraining();
    const now = d.wake('2027-06-12'); // after the 30-day reminder's wake (2027-06-10)
    const notice = currentReminder(d.c, now);
    const scheduled = remindersDue(d.c, d.policy, now)[0];
    expect(scheduled).toBeDefined();
    expect(notice).toEqual({
      key: `RESEND|${now}`,
      kind: 'reminder',
      recipients: ['trainee'],
      reminder: { step: 'TRAINING_EXAM', dueOn: scheduled?.dueOn, daysLeft: scheduled?.daysLeft },
    });
    expect(notice?.recipients).toEqual(scheduled?.recipients);
    expect(notice?.reminder.daysLeft).toBe(28);
    const inNotices = noticesDue(d.c, d.policy, now).find((n) => n.kind === 'reminder');
    expect(notice?.reminder).toEqual(inNotices?.reminder);
  });

  test('the contact for a company step; the maintenance year when there is one', () => {
    const d = new Driver('AB').certify();
    const notice = currentReminder(d.c, at('2027-07-01'));
    expect(notice?.recipients).toEqual(['contact']);
    expect(notice?.reminder).toMatchObject({ step: 'MAINTENANCE_AUDIT', maintenanceYear: 2 });
    expect(notice?.reminder.daysLeft).toBeGreaterThan(0);
  });

  test('null when no step is open', () => {
    const d = new Driver('AB').toTraining();
    d.do({ type: 'withdraw' }, '2027-02-01');
    expect(currentReminder(d.c, at('2027-02-02'))).toBeNull();
  });
});

describe('the trainee designation cap', () => {
  test('holds after the history dropped the earlier designations', () => {
    const d = new Driver('AB').toTraining();
    for (let i = 1; d.c.traineeDesignations! < MAX_TRAINEE_DESIGNATIONS; i++)
      d.designate(DAY, { name: `Trainee ${i}`, email: `t${i}@acme.example` });
    for (let i = 0; i < 600; i++) d.do(bounce(i), DAY, 'system');
    expect(d.c.historyDropped ?? 0).toBeGreaterThan(0);
    expect(d.c.history.filter((e) => e.type === 'TRAINEE_DESIGNATED').length).toBeLessThan(
      MAX_TRAINEE_DESIGNATIONS,
    );
    expect(() => d.designate(DAY, { name: 'One more', email: 'more@acme.example' })).toThrow(
      /changed 20 times/,
    );
  });
});
