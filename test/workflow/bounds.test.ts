/**
 * Proves, from the synthesized definition and the domain's plan, that no execution of the lifecycle can
 * outlive a Standard workflow's limits: < 365 days and < 25,000 history events, on every path.
 *
 * The argument:
 *  1. Time only passes in Wait states and callback tasks. Every Wait waits until `$.Payload.wakeAt` and every
 *     callback times out after `$.Payload.waitSeconds`, both set only by the domain's plan (ResultPath
 *     `$.Payload` of the plan-producing tasks). The plan never lets a wait end after the execution's cap
 *     (start + MAX_EXECUTION_DAYS) and never waits again once the cap has passed (property-tested below).
 *  2. After the last wait, the execution runs only non-waiting states: its "tail" is bounded by the longest
 *     path through them, each task at its worst (every attempt times out, every retry waits its longest).
 *     After the cap the plan goes at most notify → escalate|continue → notify → end|advance, so the tail is
 *     at most TAIL_ROUNDS such simple paths.
 *  3. Every loop passes a plan-producing state that counts iterations; the plan continues the phase in a
 *     fresh execution after MAX_ITERATIONS, so history events ≤ MAX_ITERATIONS × the costliest loop + tail.
 */
import fc from 'fast-check';
import {
  decide,
  MAX_EXECUTION_DAYS,
  MAX_ITERATIONS,
  planNext,
  policies,
  type Company,
  type Plan,
} from '../../domain';
import { synthesizeLifecycle, type StateDefinition } from '../../local/synthesized';
import { PLAN } from '../../workflows/lifecycle';

const DAY = 86_400;
const TAIL_ROUNDS = 3;
const { definition } = synthesizeLifecycle();
const states = definition.States;

interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
}
interface Catcher {
  ErrorEquals: string[];
  Next: string;
}

const isCallback = (s: StateDefinition) =>
  s.Type === 'Task' && String(s.Resource).endsWith('.waitForTaskToken');
const isWaiting = (s: StateDefinition) => s.Type === 'Wait' || isCallback(s);

function successors(s: StateDefinition): string[] {
  const next = new Set<string>();
  if (s.Next) next.add(s.Next);
  for (const c of (s.Catch as Catcher[] | undefined) ?? []) next.add(c.Next);
  if (s.Type === 'Choice') {
    for (const c of s.Choices as { Next: string }[]) next.add(c.Next);
    if (s.Default) next.add(s.Default as string);
  }
  return [...next];
}

/** Worst-case seconds a non-waiting state can take: every attempt times out, every retry waits its longest. */
function worstSeconds(s: StateDefinition): number {
  if (s.Type !== 'Task') return 0;
  const timeout = s.TimeoutSeconds as number | undefined;
  if (timeout === undefined) throw new Error('a non-callback task without TimeoutSeconds has no bound');
  let total = timeout;
  for (const r of (s.Retry as Retrier[] | undefined) ?? []) {
    for (let k = 0; k < (r.MaxAttempts ?? 3); k++) {
      const delay = (r.IntervalSeconds ?? 1) * (r.BackoffRate ?? 2) ** k;
      total += timeout + Math.min(delay, r.MaxDelaySeconds ?? Infinity);
    }
  }
  return total;
}

/** History events a state can add: entered/exited, and per task attempt scheduled/started/ended (+submitted). */
function worstEvents(s: StateDefinition): number {
  if (s.Type !== 'Task') return 2;
  const attempts =
    1 + ((s.Retry as Retrier[] | undefined) ?? []).reduce((n, r) => n + (r.MaxAttempts ?? 3), 0);
  return 2 + attempts * (isCallback(s) ? 4 : 3);
}

/** The costliest simple path from `from` through non-waiting states to a terminal state. */
function longestTail(from: string, seen = new Set<string>()): { seconds: number; events: number } {
  const s = states[from];
  if (!s || seen.has(from)) return { seconds: 0, events: 0 };
  if (isWaiting(s)) return { seconds: -Infinity, events: -Infinity }; // not a tail: it waits again
  const here = { seconds: worstSeconds(s), events: worstEvents(s) };
  const next = successors(s);
  if (next.length === 0 || s.End) return here;
  const path = new Set(seen).add(from);
  const best = next
    .map((n) => longestTail(n, path))
    .reduce((a, b) => ({ seconds: Math.max(a.seconds, b.seconds), events: Math.max(a.events, b.events) }), {
      seconds: s.End ? 0 : -Infinity,
      events: s.End ? 0 : -Infinity,
    });
  return {
    seconds: here.seconds + Math.max(0, best.seconds),
    events: here.events + Math.max(0, best.events),
  };
}

/** The costliest simple loop through `route` (a phase's router), in history events. */
function costliestLoop(route: string): number {
  let best = 0;
  const walk = (at: string, events: number, seen: Set<string>) => {
    for (const n of successors(states[at] as StateDefinition)) {
      if (n === route) best = Math.max(best, events);
      else if (!seen.has(n) && states[n]) {
        walk(n, events + worstEvents(states[n] as StateDefinition), new Set(seen).add(n));
      }
    }
  };
  walk(route, worstEvents(states[route] as StateDefinition), new Set([route]));
  return best;
}

describe('worst case of every execution (from the synthesized definition)', () => {
  test('time passes only in waits driven by the plan', () => {
    for (const [name, s] of Object.entries(states)) {
      if (s.Type === 'Wait') expect([name, s.TimestampPath]).toEqual([name, `${PLAN}.wakeAt`]);
      if (isCallback(s)) expect([name, s.TimeoutSecondsPath]).toEqual([name, `${PLAN}.waitSeconds`]);
      if (s.Type === 'Task' && !isCallback(s)) expect(s.TimeoutSeconds).toBeGreaterThan(0);
      if (s.ResultPath === PLAN) expect(s.Type).toBe('Task');
    }
  });

  test('the plan never lets a wait end after the cap, nor waits once the cap has passed', () => {
    const ab = policies.forRegion('AB');
    const base = decide(
      null,
      {
        type: 'register',
        companyId: 'c',
        legalName: 'C',
        region: 'AB',
        employeeCount: 3,
        contact: { name: 'N', email: 'n@example.com' },
      },
      { now: '2027-01-01T00:00:00.000Z', by: 'public' },
    ).company;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 400 * DAY }),
        fc.integer({ min: 0, max: 400 * DAY }),
        fc.integer({ min: 0, max: MAX_ITERATIONS + 5 }),
        (startOffset, age, iteration) => {
          const startedAt = new Date(
            Date.parse('2027-01-01T00:00:00.000Z') + startOffset * 1000,
          ).toISOString();
          const now = new Date(Date.parse(startedAt) + age * 1000).toISOString();
          const company: Company = { ...base, notifiedThrough: base.history.length };
          const plan: Plan = planNext(company, ab, now, {
            name: company.execution.name,
            startedAt,
            iteration,
          });
          const cap = Date.parse(startedAt) + MAX_EXECUTION_DAYS * DAY * 1000;
          if (plan.action === 'await') {
            expect(Date.parse(now) + plan.waitSeconds * 1000).toBeLessThanOrEqual(cap + 1000);
            expect(Date.parse(now)).toBeLessThan(cap);
          }
          if (plan.action === 'sleep') {
            expect(Date.parse(plan.wakeAt)).toBeLessThanOrEqual(cap);
            expect(Date.parse(now)).toBeLessThan(cap);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('every path of every phase lasts < 365 days and adds < 25,000 history events', () => {
    // The tail after the last wait: from the state after any wait, through non-waiting states only.
    const afterWaits = Object.values(states).filter(isWaiting).flatMap(successors).concat(definition.StartAt);
    const tails = afterWaits.map((n) => longestTail(n));
    const tailSeconds = TAIL_ROUNDS * Math.max(...tails.map((t) => t.seconds));
    const tailEvents = TAIL_ROUNDS * Math.max(...tails.map((t) => t.events));
    const worstDays = MAX_EXECUTION_DAYS + tailSeconds / DAY;

    const routes = Object.keys(states).filter((n) => /^Route\w+Step$/.test(n));
    const loopEvents = Math.max(...routes.map(costliestLoop));
    const worstEventsTotal = MAX_ITERATIONS * loopEvents + tailEvents + 2;

    console.log(
      `worst case per execution: ${worstDays.toFixed(2)} days (tail ${(tailSeconds / 3600).toFixed(1)} h), ` +
        `${worstEventsTotal} history events (${MAX_ITERATIONS} loops × ${loopEvents} + tail ${tailEvents})`,
    );
    expect(tailSeconds).toBeGreaterThan(0);
    expect(loopEvents).toBeGreaterThan(0);
    expect(worstDays).toBeLessThan(365);
    expect(worstEventsTotal).toBeLessThan(25_000);
  });
});
