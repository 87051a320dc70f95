/**
 * Each measurement that starts a local runtime runs in its own Node process (forked with tsx), so that its
 * counters, its memory and its event loop are its own. The child gets its options as one JSON argument and
 * sends one result back over IPC.
 */
import { fork } from 'node:child_process';
import * as path from 'node:path';

export function runChild<T>(
  script: string,
  options: unknown,
  settings: { quietStdout?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const child = fork(path.join(__dirname, '..', script), [JSON.stringify(options)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', settings.quietStdout ? 'ignore' : 'inherit', 'pipe', 'ipc'],
      env: { ...process.env, ...settings.env },
    });
    forwardStderr(child.stderr);
    let result: { ok: true; value: T } | { ok: false; error: string } | undefined;
    child.on('message', (m) => (result = m as typeof result));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (result?.ok) resolve(result.value);
      else
        reject(
          new Error(
            `${script} failed (${signal ?? `exit ${String(code)}`}): ${result && !result.ok ? result.error : 'no result'}`,
          ),
        );
    });
  });
}

/** Lines of a child's stderr that are noise here (Powertools Metrics warns on every empty flush). */
const NOISE = [/^No application metrics to publish/];

function forwardStderr(stream: NodeJS.ReadableStream | null): void {
  let buffer = '';
  stream?.on('data', (d: Buffer) => {
    buffer += d.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) if (!NOISE.some((n) => n.test(line))) process.stderr.write(`${line}\n`);
  });
  stream?.on('end', () => buffer && process.stderr.write(`${buffer}\n`));
}

/** In the child: parses the options, runs `main`, sends its result (or its error) and exits. */
export function childMain<O, T>(main: (options: O) => Promise<T>): void {
  const options = JSON.parse(process.argv[2] ?? '{}') as O;
  const send = (message: unknown, code: number) => {
    if (process.send) process.send(message, () => process.exit(code));
    else {
      // Run by hand (not forked): print the result.
      process.stdout.write(`${JSON.stringify(message, null, 2)}\n`);
      process.exit(code);
    }
  };
  main(options).then(
    (value) => send({ ok: true, value }, 0),
    (e: Error) => {
      process.stderr.write(`${e.stack ?? e.message}\n`);
      send({ ok: false, error: e.message }, 1);
    },
  );
}

/** Progress lines go to stderr (stdout may be discarded). */
export const progress = (message: string) => process.stderr.write(`  · ${message}\n`);

export function median(values: number[]): number {
  return percentile(values, 50);
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (rank - lo);
}

export const round = (n: number, digits = 2) => Number(n.toFixed(digits));
