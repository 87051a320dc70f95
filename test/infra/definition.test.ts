/**
 * The CertificationLifecycle definition as synthesized (local/synthesized.ts): valid ASL, bounded retries with
 * jitter, every failure recorded, callbacks with timeouts, no fixed sleeps, one fragment per phase, a
 * continue-as-new that never forks, and the task token handed to nothing but the await tasks.
 */
import validator from 'asl-validator';
import type { PhaseKey } from '../../domain';
import {
  type AslDefinition,
  type StateDefinition,
  type SynthesizedLifecycle,
  synthesizeLifecycle,
  taskFunctionArn,
} from '../../local/synthesized';
import { PHASE_FRAGMENTS, STATES } from '../../workflows/lifecycle';
import {
  EXECUTION_ALREADY_EXISTS,
  LAMBDA_SERVICE_ERRORS,
  NOTICE_IN_FLIGHT_ERROR,
} from '../../workflows/retries';
import { NOTICE_LEASE_MS, NoticeInFlightError } from '../../functions/lib/notify';
import { SYNTH_TIMEOUT_MS, isRecord } from './support';

interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}
interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
}
interface ChoiceCondition {
  Variable?: string;
  StringEquals?: string;
  And?: ChoiceCondition[];
  Or?: ChoiceCondition[];
}
interface ChoiceRule extends ChoiceCondition {
  Next: string;
}

let lifecycle: SynthesizedLifecycle;
let definition: AslDefinition;

beforeAll(() => {
  lifecycle = synthesizeLifecycle();
  definition = lifecycle.definition;
}, SYNTH_TIMEOUT_MS);

const states = () => Object.entries(definition.States);
const state = (name: string): StateDefinition => {
  const s = definition.States[name];
  if (!s) throw new Error(`no state ${name}`);
  return s;
};
const retriers = (s: StateDefinition) => (s.Retry as Retrier[] | undefined) ?? [];
const catchers = (s: StateDefinition) => (s.Catch as Catcher[] | undefined) ?? [];
const isCallback = (s: StateDefinition) =>
  s.Type === 'Task' && typeof s.Resource === 'string' && s.Resource.endsWith('.waitForTaskToken');
/** Task states that invoke a Lambda function (direct ARN or the lambda:invoke integration). */
const lambdaTasks = () => states().filter(([, s]) => s.Type === 'Task' && taskFunctionArn(s) !== null);
const handlerOf = (s: StateDefinition) => lifecycle.handlers[taskFunctionArn(s) ?? ''];

/** Every string in a value with its path (`Parameters.Payload.taskToken.$`). */
function strings(value: unknown, at: string): [string, string][] {
  if (typeof value === 'string') return [[at, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${at}[${i}]`));
  if (isRecord(value)) return Object.entries(value).flatMap(([k, v]) => strings(v, at ? `${at}.${k}` : k));
  return [];
}

/** Every phase key of the domain (a compile error here when the domain adds one). */
const PHASE_KEYS: Record<PhaseKey, true> = {
  REGISTRATION: true,
  TRAINING: true,
  IMPLEMENTATION: true,
  CERTIFICATION_AUDIT: true,
  MAINTENANCE2: true,
  MAINTENANCE3: true,
  RECERTIFICATION: true,
};

describe('ASL validity', () => {
  test('asl-validator accepts the definition (schema, transitions, paths, ARNs)', () => {
    // The validator annotates the states it checks: give it a copy of the cached definition.
    const result = validator(structuredClone(definition));
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  test('control: asl-validator rejects a transition to a missing state', () => {
    const broken = structuredClone(definition);
    const start = broken.States[broken.StartAt] as StateDefinition;
    broken.States[broken.StartAt] = { ...start, Default: 'NoSuchState' };
    expect(validator(broken).isValid).toBe(false);
  });

  test('state names are PascalCase (and within the 80-character limit)', () => {
    for (const [name] of states()) {
      expect(name).toMatch(/^(?:[A-Z][a-z0-9]+)+$/);
      expect(name.length).toBeLessThanOrEqual(80);
    }
  });

  test('every state is reachable from StartAt', () => {
    const seen = new Set<string>();
    const queue = [definition.StartAt];
    while (queue.length) {
      const name = queue.pop() as string;
      if (seen.has(name)) continue;
      seen.add(name);
      const s = state(name);
      const next = [
        s.Next,
        s.Default,
        ...((s.Choices as ChoiceRule[] | undefined) ?? []).map((c) => c.Next),
        ...catchers(s).map((c) => c.Next),
      ];
      queue.push(...next.filter((n): n is string => typeof n === 'string'));
    }
    expect([...seen].sort()).toEqual(Object.keys(definition.States).sort());
  });
});

describe('retries and failure handling', () => {
  test('there are Lambda tasks, and all of them run one of the task handlers', () => {
    // per phase: Check, Await, its escalation; shared: StartPhase, RecordLifecycleFailure
    expect(lambdaTasks().length).toBe(PHASE_FRAGMENTS.length * 3 + 2);
    for (const [name, s] of lambdaTasks()) {
      expect([name, handlerOf(s)]).toEqual([name, expect.stringMatching(/^functions\/tasks\/.+\.ts$/)]);
    }
  });

  test('every Lambda task retries Lambda service errors; every retrier has FULL jitter (but the exact wait for an email in flight) and ≤ 6 attempts', () => {
    for (const [name, s] of lambdaTasks()) {
      const retry = retriers(s);
      expect(retry.length).toBeGreaterThan(0);
      const retried = retry.flatMap((r) => r.ErrorEquals);
      for (const error of LAMBDA_SERVICE_ERRORS)
        expect([name, retried]).toEqual([name, expect.arrayContaining([error])]);
      for (const r of retry) {
        const jitter = r.ErrorEquals.includes(NOTICE_IN_FLIGHT_ERROR) ? 'NONE' : 'FULL';
        expect([name, r.JitterStrategy]).toEqual([name, jitter]);
        // MaxAttempts defaults to 3 when absent; 0 would mean "never retry".
        const attempts = r.MaxAttempts ?? 3;
        expect([name, attempts >= 1 && attempts <= 6]).toEqual([name, true]);
        expect([name, (r.BackoffRate ?? 2) >= 1]).toEqual([name, true]);
      }
    }
  });

  test('every task that sends emails waits out a claim in flight: its retries outlast the claim lease', () => {
    const senders = lambdaTasks().filter(([, s]) =>
      ['functions/tasks/progress.ts', 'functions/tasks/transition.ts'].includes(handlerOf(s) ?? ''),
    );
    expect(senders.length).toBe(PHASE_FRAGMENTS.length * 2 + 2);
    expect(new NoticeInFlightError('co-1', []).name).toBe(NOTICE_IN_FLIGHT_ERROR);
    for (const [name, s] of senders) {
      const retrier = retriers(s).find((r) => r.ErrorEquals.includes(NOTICE_IN_FLIGHT_ERROR));
      expect([name, retrier?.ErrorEquals]).toEqual([name, [NOTICE_IN_FLIGHT_ERROR]]);
      // Before any States.ALL retrier (which must come last), so that it applies.
      const index = retriers(s).indexOf(retrier as Retrier);
      expect(
        retriers(s)
          .slice(0, index)
          .some((r) => r.ErrorEquals.includes('States.ALL')),
      ).toBe(false);
      const {
        IntervalSeconds = 1,
        BackoffRate = 2,
        MaxAttempts = 3,
        MaxDelaySeconds = Infinity,
      } = retrier ?? {};
      // Not jittered, so these delays are exact: the retries before the last must reach past the lease
      // (counted from the error, which is after the claim), or the last retry still finds the claim in flight.
      expect([name, retrier?.JitterStrategy]).toEqual([name, 'NONE']);
      let beforeLast = 0;
      for (let k = 0; k < MaxAttempts - 1; k++)
        beforeLast += Math.min(IntervalSeconds * BackoffRate ** k, MaxDelaySeconds);
      expect([name, beforeLast > NOTICE_LEASE_MS / 1000]).toEqual([name, true]);
    }
  });

  test('every Task state retries with FULL jitter (but the exact wait for an email in flight) and bounded attempts (also StartNextExecution)', () => {
    for (const [name, s] of states().filter(([, st]) => st.Type === 'Task')) {
      expect([name, retriers(s).length > 0]).toEqual([name, true]);
      for (const r of retriers(s).filter((x) => !x.ErrorEquals.includes(NOTICE_IN_FLIGHT_ERROR))) {
        expect([name, r.JitterStrategy, (r.MaxAttempts ?? 3) <= 6]).toEqual([name, 'FULL', true]);
      }
    }
  });

  test('every Lambda task catches States.ALL (last) into RecordLifecycleFailure, with the error in $.error', () => {
    for (const [name, s] of lambdaTasks().filter(([n]) => n !== STATES.recordFailure)) {
      const last = catchers(s).at(-1);
      expect([name, last]).toEqual([
        name,
        { ErrorEquals: ['States.ALL'], Next: STATES.recordFailure, ResultPath: '$.error' },
      ]);
    }
  });

  test('RecordLifecycleFailure catches States.ALL into LifecycleFailed, and otherwise ends there too', () => {
    const record = state(STATES.recordFailure);
    expect(taskFunctionArn(record)).not.toBeNull();
    expect(catchers(record).at(-1)).toMatchObject({ ErrorEquals: ['States.ALL'], Next: STATES.failed });
    expect(record.Next).toBe(STATES.failed);
    expect(state(STATES.failed).Type).toBe('Fail');
    // RecordLifecycleFailure reads the error the catchers put at $.error.
    expect((record.Parameters as Record<string, unknown>)['error.$']).toBe('$.error');
  });

  test('every state that routes to RecordLifecycleFailure hands it the error at $.error', () => {
    for (const [name, s] of states()) {
      for (const c of catchers(s).filter((ct) => ct.Next === STATES.recordFailure)) {
        expect([name, c.ResultPath]).toEqual([name, '$.error']);
      }
      if (s.Next === STATES.recordFailure) expect([name, s.ResultPath]).toEqual([name, '$.error']);
    }
  });

  test('every Task state has a timeout (Step Functions has none by default)', () => {
    for (const [name, s] of states().filter(([, st]) => st.Type === 'Task')) {
      const timeout = s.TimeoutSeconds ?? s.TimeoutSecondsPath;
      expect([name, timeout === undefined]).toEqual([name, false]);
    }
  });
});

describe('callbacks and waits', () => {
  const callbacks = () => states().filter(([, s]) => isCallback(s));

  test('the .waitForTaskToken tasks are exactly the Await<Step> state of each phase, run by the await handler', () => {
    expect(
      callbacks()
        .map(([n]) => n)
        .sort(),
    ).toEqual(PHASE_FRAGMENTS.map((f) => f.await).sort());
    for (const [name, s] of callbacks()) {
      expect([name, handlerOf(s)]).toEqual([name, 'functions/tasks/await-step.ts']);
    }
  });

  test('every .waitForTaskToken task has TimeoutSecondsPath (the reminder interval), no fixed timeout', () => {
    for (const [name, s] of callbacks()) {
      expect([name, s.TimeoutSecondsPath]).toEqual([name, expect.stringMatching(/^\$\./)]);
      expect([name, s.TimeoutSeconds]).toEqual([name, undefined]);
      // On States.Timeout the workflow sends a reminder (Check<Phase>Progress), it does not fail.
      const spec = PHASE_FRAGMENTS.find((f) => f.await === name);
      expect(catchers(s)[0]).toMatchObject({ ErrorEquals: ['States.Timeout'], Next: spec?.check });
    }
  });

  test('every Wait state uses TimestampPath: no fixed sleeps', () => {
    const waits = states().filter(([, s]) => s.Type === 'Wait');
    expect(waits.length).toBe(PHASE_FRAGMENTS.length);
    for (const [name, s] of waits) {
      expect([name, s.TimestampPath]).toEqual([name, expect.stringMatching(/^\$\./)]);
      for (const fixed of ['Seconds', 'SecondsPath', 'Timestamp'])
        expect([name, s[fixed]]).toEqual([name, undefined]);
    }
  });
});

describe('phase fragments', () => {
  const firstRules = () => (state(STATES.routePhase).Choices as ChoiceRule[]) ?? [];
  /** RoutePhase's rules for a phase key: plan action → next state. */
  const firstRoute = (phaseKey: string) =>
    Object.fromEntries(
      firstRules()
        .filter((c) => c.And?.some((x) => x.Variable === '$.phaseKey' && x.StringEquals === phaseKey))
        .flatMap((c) => {
          const action = c.And?.find((x) => x.Variable !== '$.phaseKey');
          const actions = action?.Or ? action.Or.map((o) => o.StringEquals) : [action?.StringEquals];
          return actions.map((a) => [a, c.Next]);
        }),
    );

  test('every execution starts with StartPhase (progress) → RoutePhase, which routes on phase and plan', () => {
    expect(definition.StartAt).toBe(STATES.startPhase);
    const start = state(STATES.startPhase);
    expect(handlerOf(start)).toBe('functions/tasks/progress.ts');
    expect(start.Next).toBe(STATES.routePhase);
    const byAction = firstRules().filter((c) => !c.And);
    expect(byAction.map((c) => [c.StringEquals, c.Next])).toEqual([
      ['advance', STATES.startNext],
      ['end', STATES.phaseEnded],
    ]);
    expect(state(STATES.routePhase).Default).toBe(STATES.unknownPlan);
  });

  test('PHASE_FRAGMENTS covers every phase key of the domain, once each (CERTIFIED is never a resting phase)', () => {
    const keys = PHASE_FRAGMENTS.map((f) => f.phaseKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.sort()).toEqual(Object.keys(PHASE_KEYS).sort());
  });

  test.each(PHASE_FRAGMENTS.map((f) => [f.phaseKey, f] as const))(
    '%s: RoutePhase → Await / Window / Check / Escalate, its loop wired to the right handlers',
    (phaseKey, spec) => {
      expect(firstRoute(phaseKey)).toEqual({
        await: spec.await,
        sleep: spec.window,
        notify: spec.check,
        continue: spec.check,
        escalate: spec.escalate,
      });
      const route = state(spec.route);
      const awaitStep = state(spec.await);
      const check = state(spec.check);
      expect(route.Type).toBe('Choice');
      expect(isCallback(awaitStep)).toBe(true);
      expect(awaitStep.Next).toBe(spec.route);
      expect(check.Type).toBe('Task');
      expect(handlerOf(check)).toBe('functions/tasks/progress.ts');
      expect(check.Next).toBe(spec.route);
      const targets = (route.Choices as ChoiceRule[]).map((c) => c.Next);
      expect(targets).toEqual(
        expect.arrayContaining([spec.await, spec.check, spec.window, spec.escalate, STATES.startNext]),
      );
      expect(route.Default).toBe(STATES.unknownPlan);
      expect(state(spec.window).Next).toBe(spec.check);
      expect(handlerOf(state(spec.escalate))).toBe('functions/tasks/transition.ts');
    },
  );
});

describe('StartNextExecution (continue-as-new)', () => {
  const startNext = () => state(STATES.startNext);

  test('uses arn:aws:states:::states:startExecution (fire and forget, not .sync) on this state machine', () => {
    expect(startNext().Resource).toBe('arn:aws:states:::states:startExecution');
    const params = startNext().Parameters as Record<string, unknown>;
    expect(params.StateMachineArn).toBe(lifecycle.stateMachineArn);
    expect(params['Name.$']).toEqual(expect.stringMatching(/^\$\./));
    expect(startNext().End).toBe(true);
  });

  test('catches ExecutionAlreadyExists into NextExecutionAlreadyStarted, which succeeds', () => {
    const [first, ...rest] = catchers(startNext());
    expect(first?.ErrorEquals.sort()).toEqual([...EXECUTION_ALREADY_EXISTS].sort());
    expect(EXECUTION_ALREADY_EXISTS).toEqual(
      expect.arrayContaining(['StepFunctions.ExecutionAlreadyExistsException']),
    );
    expect(first?.Next).toBe(STATES.alreadyStarted);
    // Anything else: the unstarted execution's name goes with the error to RecordLifecycleFailure.
    expect(rest.at(-1)).toMatchObject({ ErrorEquals: ['States.ALL'], Next: STATES.noteUnstarted });
    const note = state(STATES.noteUnstarted);
    expect(note).toMatchObject({
      Type: 'Pass',
      ResultPath: '$.error',
      Next: STATES.recordFailure,
      Parameters: {
        'Error.$': '$.error.Error',
        'Cause.$': '$.error.Cause',
        'unstarted.$': '$.Payload.next.name',
      },
    });
    const already = state(STATES.alreadyStarted);
    expect(
      already.Type === 'Succeed' || already.End === true || state(already.Next as string).Type === 'Succeed',
    ).toBe(true);
    // A duplicate is not worth retrying: it goes straight to the catcher.
    for (const r of retriers(startNext())) {
      for (const error of EXECUTION_ALREADY_EXISTS) expect(r.ErrorEquals).not.toContain(error);
    }
  });
});

describe('task token hygiene', () => {
  test('only the await tasks reference the task token, and only as Parameters.Payload.taskToken', () => {
    const uses = states().flatMap(([name, s]) =>
      strings(s, '')
        .filter(([, value]) => value === '$$' || value.includes('$$.Task'))
        .map(([at, value]) => `${name}: ${at} = ${value}`),
    );
    const expected = PHASE_FRAGMENTS.map((f) => `${f.await}: Parameters.Payload.taskToken.$ = $$.Task.Token`);
    expect(uses.sort()).toEqual(expected.sort());
  });

  test('no state passes the whole context object or the task token under another name', () => {
    for (const [name, s] of states()) {
      for (const [at] of strings(s, '')) {
        if (/token/i.test(at)) expect(`${name}: ${at}`).toMatch(/: Parameters\.Payload\.taskToken\.\$$/);
      }
    }
  });
});
