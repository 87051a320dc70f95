/**
 * The local runtime's virtual clock. Installed once at start-up, it makes this process's time virtual: `Date`
 * and `setTimeout` read real time plus an offset, so handlers (`new Date()`), the Step Functions engine
 * (Wait states, callback timeouts, retries) and Powertools all follow it. `advance(ms)` moves the offset and
 * fires, in order, every timer that became due, letting the work each one starts finish before the next:
 * when it returns, the system has settled at the new time. Not part of the CDK stack.
 *
 * With `persistClock(save)`, the clock never runs backwards across a crash (kill -9, even mid-advance): no
 * time can be read in this process (`Date`, a timer firing) later than the one last saved. Whenever the clock
 * is read past the saved bound, a new bound a little ahead (`PERSIST_LEAD_MS`) is saved first, synchronously;
 * and each step of an advance is saved before the timers due at it fire. So a crash loses no time: the clock
 * resumes at most `PERSIST_LEAD_MS` ahead of where it was. `writeClockFile` and `readClockFile` store it
 * atomically (temp file, fsync, rename).
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- patches the global timer and Date signatures */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import * as path from 'node:path';

const RealDate = Date;
const realNow = RealDate.now.bind(RealDate);
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;
const realSetImmediate = globalThis.setImmediate;
const MAX_REAL_DELAY = 2 ** 31 - 1;
/**
 * Timers shorter than this stay real (HTTP keep-alives, SDK timeouts and backoffs, library heartbeats), unless
 * the Step Functions engine sets them (below): the lifecycle's waits, callback timeouts and retry intervals
 * follow the virtual clock, however short, and advancing a year does not replay a year of housekeeping timers.
 */
export const VIRTUAL_TIMER_THRESHOLD_MS = 5 * 60_000;

interface VirtualTimer {
  due: number;
  fn: (...args: any[]) => void;
  args: any[];
  handle: NodeJS.Timeout;
}

let offset = 0;
let installed = false;
/**
 * The clock as the runtime's function workers read it (local/lambda/worker.ts): [offset, saved bound], kept up to
 * date here. A worker never reads a time past the saved bound, so it cannot write one a crash would undo.
 */
const shared = new Float64Array(new SharedArrayBuffer(2 * Float64Array.BYTES_PER_ELEMENT));
shared[1] = Number.POSITIVE_INFINITY;
const publish = () => {
  shared[0] = offset;
  shared[1] = save ? persisted : Number.POSITIVE_INFINITY;
};
/** The shared [offset, bound] buffer the function workers read the virtual clock from. */
export function sharedClock(): SharedArrayBuffer {
  return shared.buffer as SharedArrayBuffer;
}
const timers = new Map<NodeJS.Timeout, VirtualTimer>();
const busyChecks: (() => boolean)[] = [];

/**
 * How far ahead of the clock the saved bound is set: a write at most every this many ms of time read, at the
 * cost of a clock up to this much ahead after a crash.
 */
export const PERSIST_LEAD_MS = 1_000;
let save: ((now: number) => void) | undefined;
/** The saved bound: no time later than this has been read in this process. */
let persisted = -Infinity;
let saving = false;

/** Saves a bound ≥ `now` (unless one is saved already), before `now` can be used. */
function persistUpTo(now: number, lead = PERSIST_LEAD_MS): void {
  if (!save || now <= persisted || saving) return;
  saving = true;
  try {
    save(now + lead);
    persisted = now + lead;
    publish();
  } catch (e) {
    // Not saved (disk full?): tried again at the next read; the process keeps running.
    process.stderr.write(`[secor] could not save the virtual clock: ${(e as Error).message}\n`);
  } finally {
    saving = false;
  }
}

export const virtualNow = (): number => {
  const now = realNow() + offset;
  persistUpTo(now);
  return now;
};

/**
 * Saves the clock with `save` (synchronous and durable: `writeClockFile`) whenever it moves past the last
 * value saved — now, then as it is read past it. `null` stops it.
 */
export function persistClock(saveFn: ((now: number) => void) | null): void {
  save = saveFn ?? undefined;
  persisted = -Infinity;
  publish();
  if (save) persistUpTo(realNow() + offset);
}

/**
 * Saves the clock's value now (a clean shutdown, the end of an advance) — or the bound already given out, if that
 * is later: a restart resumes there.
 */
export function saveClockNow(): string {
  const now = realNow() + offset;
  // Guarded like persistUpTo: a time read inside the write (fs calls may read the clock) must not start a
  // second write of the same temp file, which would rename it away under this one.
  if (save && !saving) {
    saving = true;
    try {
      // Never below the bound already published: a function worker may have read (and recorded) any time up to
      // it, so saving less would let a crash resume the clock behind that record.
      const bound = Math.max(now, persisted);
      save(bound);
      persisted = bound;
      publish();
    } finally {
      saving = false;
    }
  }
  return new RealDate(now).toISOString();
}

/** Writes `{ now }` to `file` atomically: a temp file, fsync, rename (a crash leaves the old or the new one). */
export function writeClockFile(file: string, now: number): void {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, JSON.stringify({ now: new RealDate(now).toISOString() }));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  try {
    const dir = openSync(path.dirname(file), 'r');
    try {
      fsyncSync(dir); // the rename itself, durable
    } finally {
      closeSync(dir);
    }
  } catch {
    // Not every platform can fsync a directory (Windows): the rename is atomic anyway.
  }
}

/**
 * The clock saved in `file` (ms), or undefined if none. An unreadable file does not stop a start: the newest
 * valid value of the file and a temp file left by an interrupted write counts (undefined if neither is).
 */
export function readClockFile(file: string): number | undefined {
  const values = [file, `${file}.tmp`].map((f) => {
    try {
      const parsed = JSON.parse(readFileSync(f, 'utf8')) as { now?: unknown };
      return typeof parsed.now === 'string' ? Date.parse(parsed.now) : NaN;
    } catch {
      return NaN;
    }
  });
  const valid = values.filter((v) => Number.isFinite(v));
  return valid.length ? Math.max(...valid) : undefined;
}

function arm(t: VirtualTimer): NodeJS.Timeout {
  const delay = Math.max(0, Math.min(MAX_REAL_DELAY, t.due - virtualNow()));
  return realSetTimeout(() => fire(t), delay);
}

function fire(t: VirtualTimer): void {
  if (!timers.has(t.handle)) return;
  if (t.due - virtualNow() > 2) {
    // A long timer armed in pieces (real timers cap at ~24.8 days): re-arm for the rest.
    timers.delete(t.handle);
    const handle = arm(t);
    t.handle = handle;
    timers.set(handle, t);
    return;
  }
  timers.delete(t.handle);
  t.fn(...t.args);
}

/**
 * Whether the timer being set comes from the Step Functions engine (aws-local-stepfunctions): its Wait states,
 * task timeouts (a callback task's timeout is the time to the next reminder) and retry intervals are lifecycle
 * time, however short. A Wait of 13 seconds to midnight must pass on the virtual clock too: left in real time,
 * the clock would jump a year past it while it still waits. Checked only for timers of 100 ms and more that
 * would otherwise stay real.
 */
function fromStepFunctionsEngine(): boolean {
  // Only the direct caller counts (the engine calls setTimeout itself): not a handler's timer that merely runs
  // inside an engine task, whose async stack frames would mention the engine too.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 4;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  // "Error", this function, the patched setTimeout, its caller
  return (stack.split('\n')[3] ?? '').includes('aws-local-stepfunctions');
}

/** Makes this process's clock virtual. Idempotent. `startAt` sets the virtual now (ISO), if given. */
export function installVirtualClock(startAt?: string): void {
  if (startAt) offset = Date.parse(startAt) - realNow();
  publish();
  if (installed) return;
  installed = true;
  class VirtualDate extends RealDate {
    constructor(...args: any[]) {
      if (args.length === 0) super(virtualNow());
      else super(...(args as [any]));
    }
    static override now(): number {
      return virtualNow();
    }
  }
  globalThis.Date = VirtualDate as DateConstructor;
  globalThis.setTimeout = ((fn: (...args: any[]) => void, ms?: number, ...args: any[]) => {
    if (!(Number(ms) > VIRTUAL_TIMER_THRESHOLD_MS) && !(Number(ms) >= 100 && fromStepFunctionsEngine()))
      return realSetTimeout(fn, ms, ...args);
    const t: VirtualTimer = {
      due: virtualNow() + Math.max(0, Number(ms) || 0),
      fn,
      args,
      handle: undefined as never,
    };
    t.handle = arm(t);
    timers.set(t.handle, t);
    return t.handle;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((handle?: NodeJS.Timeout | string | number) => {
    const t = timers.get(handle as NodeJS.Timeout);
    if (t) {
      timers.delete(t.handle);
      realClearTimeout(t.handle);
      return;
    }
    realClearTimeout(handle as NodeJS.Timeout);
  }) as typeof clearTimeout;
}

/** Registers a check that says whether work is in flight (a task running, a request being served). */
export function registerBusyCheck(check: () => boolean): void {
  busyChecks.push(check);
}

const tick = () => new Promise<void>((resolve) => realSetImmediate(resolve));
const pause = (ms: number) => new Promise<void>((resolve) => realSetTimeout(resolve, ms));

/** Waits until nothing is in flight for a few consecutive turns of the event loop. */
async function quiet(): Promise<void> {
  let calm = 0;
  while (calm < 3) {
    await tick();
    await pause(1);
    calm = busyChecks.some((busy) => busy()) ? 0 : calm + 1;
  }
}

function earliestDue(limit: number): VirtualTimer | undefined {
  let next: VirtualTimer | undefined;
  for (const t of timers.values()) if (t.due <= limit && (!next || t.due < next.due)) next = t;
  return next;
}

/**
 * Moves the clock to `target` as time would pass: it jumps to each timer's due time in order, fires it, and
 * lets the work it starts settle before the next — so a reminder due in 14 days is sent on that day, not a
 * year late. Returns the number of timers fired.
 */
async function runUntil(target: number): Promise<number> {
  let fired = 0;
  for (;;) {
    await quiet();
    const next = earliestDue(target);
    if (!next) break;
    if (next.due > virtualNow()) offset += next.due - virtualNow();
    publish();
    // Saved before anything runs at the new time: nothing it records can be later than the saved clock.
    persistUpTo(virtualNow());
    timers.delete(next.handle);
    realClearTimeout(next.handle);
    next.fn(...next.args);
    fired += 1;
  }
  if (target > virtualNow()) offset += target - virtualNow();
  publish();
  return fired;
}

/** Fires every timer due by now, each after the work of the previous one has settled. */
export function settle(): Promise<number> {
  return runUntil(virtualNow());
}

/** Moves the virtual clock forward and settles at the new time: every wait, timeout and reminder has fired. */
export async function advance(ms: number): Promise<{ now: string; timersFired: number }> {
  if (!(ms >= 0)) throw new RangeError('the clock only moves forward');
  const timersFired = (await runUntil(virtualNow() + ms)) + (await settle());
  return { now: new RealDate(virtualNow()).toISOString(), timersFired };
}

export function pendingTimers(): number {
  return timers.size;
}
