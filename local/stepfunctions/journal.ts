/** Execution summaries survive a restart (JSON lines); running ones are restarted from the records. */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { Execution } from './types';

export function appendToJournal(file: string | undefined, e: Execution): void {
  if (!file) return;
  const { name, input, status, startDate, stopDate, error, transitions } = e;
  appendFileSync(
    file,
    JSON.stringify({ name, input, status, startDate, stopDate, error, transitions }) + '\n',
  );
}

/** The executions the journal names, latest summary of each, without history. */
export function readJournal(file: string | undefined, executionArn: (name: string) => string): Execution[] {
  if (!file || !existsSync(file)) return [];
  const executions = new Map<string, Execution>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const j = JSON.parse(line) as Omit<Execution, 'executionArn' | 'history'>;
      // A run cut short by the previous process is over: the runtime restarts the company's phase.
      const status = j.status === 'RUNNING' ? 'ABORTED' : j.status;
      executions.set(j.name, { ...j, status, executionArn: executionArn(j.name), history: [] });
    } catch {
      // a torn last line after kill -9: ignore it
    }
  }
  return [...executions.values()];
}
