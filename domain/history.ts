/**
 * The bound on a company's history, so the record stays a small DynamoDB item for the life of the company.
 *
 * The history keeps its first event (REGISTERED) and the latest events; the events dropped in between are
 * counted in `historyDropped`. Positions stay meaningful across drops:
 *   - `notifiedThrough` is a position in `history` (callers slice `history` with it): a drop moves it back by
 *     the number of events dropped before it;
 *   - an event's absolute index (`eventIndex`: its position had nothing been dropped) names its notice, so a
 *     notice key never changes when earlier events are dropped;
 *   - `eventCount` (events ever appended) numbers re-runs of a phase, so execution names stay unique.
 *
 * Size arithmetic (DynamoDB's item limit is 400 KB; a map's stored size is within a few bytes per attribute of
 * its JSON): the history is kept within HISTORY_MAX_BYTES = 128 KiB of UTF-8 JSON and HISTORY_MAX_EVENTS = 500
 * events. The largest events are a WORKFLOW_FAILED (cause ≤ 1,000 characters) and an AUDIT_FAILED with reasons,
 * about 1.2 KB each in ASCII and at most ~4 KB in 4-byte UTF-8; the usual event is ~150–250 bytes, so 500 of them
 * are ~125 KB, and the byte budget caps any mix of larger ones at 128 KiB. The first event is < 1 KB. That leaves
 * more than 260 KB for the rest of the item (contact, trainee, program, audits, reminder keys, indexes).
 * When a bound is passed, the history is cut to 3/4 of both (375 events, 96 KiB), so drops are rare batches.
 */
import type { Company, HistoryEvent } from './types';

export const HISTORY_MAX_EVENTS = 500;
export const HISTORY_MAX_BYTES = 128 * 1024;
/** After a cut: at most this many events besides the first… */
const KEEP_EVENTS = (HISTORY_MAX_EVENTS * 3) / 4;
/** …and this many bytes in all. */
const KEEP_BYTES = (HISTORY_MAX_BYTES * 3) / 4;

/** Bytes of `s` in UTF-8 (a surrogate pair is one 4-byte character). */
export function utf8Bytes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code < 0x80) n += 1;
    else if (code < 0x800) n += 2;
    else if (code >= 0xd800 && code < 0xdc00 && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Size of the history as stored (UTF-8 JSON). */
export function historyBytes(history: readonly HistoryEvent[]): number {
  return utf8Bytes(JSON.stringify(history));
}

/** Events ever appended to the company's history, dropped ones included. */
export function eventCount(company: Company): number {
  return (company.historyDropped ?? 0) + company.history.length;
}

/** The absolute index of `history[position]`: its position had no event been dropped. */
export function eventIndex(company: Company, position: number): number {
  return position === 0 ? 0 : (company.historyDropped ?? 0) + position;
}

/**
 * Where a `history` position of an earlier version of the record (which had dropped `seenDropped` events) is in
 * this version: earlier drops moved it back (never before position 1 once the first event is passed).
 */
export function positionNow(company: Company, position: number, seenDropped: number): number {
  if (position <= 0) return 0;
  return Math.max(1, position - ((company.historyDropped ?? 0) - seenDropped));
}

/**
 * The events the notification watermark moved past from `before` to `after` (two versions of one record), each
 * once, whether or not `after` dropped events in between.
 */
export function eventsNotified(before: Company, after: Company): HistoryEvent[] {
  const from = positionNow(after, before.notifiedThrough ?? 0, before.historyDropped ?? 0);
  return after.history.slice(from, Math.max(from, after.notifiedThrough ?? 0));
}

/**
 * Keeps the history of a record under construction within its bounds (see above): when it is over either,
 * drops the oldest events after the first, down to 3/4 of both bounds. Mutates `company`.
 */
export function boundHistory(company: Company): void {
  const { history } = company;
  if (history.length <= 1 + HISTORY_MAX_EVENTS && historyBytes(history) <= HISTORY_MAX_BYTES) return;
  const [first] = history;
  if (!first || history.length < 3) return;
  let bytes = utf8Bytes(JSON.stringify(first)) + 2;
  let kept = 0;
  while (kept < Math.min(KEEP_EVENTS, history.length - 2)) {
    const event = history[history.length - 1 - kept] as HistoryEvent;
    const size = utf8Bytes(JSON.stringify(event)) + 1;
    if (bytes + size > KEEP_BYTES) break;
    bytes += size;
    kept += 1;
  }
  kept = Math.max(kept, 1); // the latest event always stays
  const dropped = history.length - 1 - kept;
  company.history = [first, ...history.slice(history.length - kept)];
  company.historyDropped = (company.historyDropped ?? 0) + dropped;
  const moved = (through: number) => (through > dropped ? through - dropped : Math.min(through, 1));
  if (company.notifiedThrough !== undefined) company.notifiedThrough = moved(company.notifiedThrough);
  if (company.notifiedThroughBy) {
    company.notifiedThroughBy = Object.fromEntries(
      Object.entries(company.notifiedThroughBy).map(([r, through]) => [r, moved(through)]),
    );
  }
}
