/** Writes the capacity simulation into docs/capacity.md's generated block (bench/report-capacity.ts renders it). */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { format, resolveConfig } from 'prettier';
import type { CapacityResult } from './capacity';
import { capacityNotes, capacityTable, END, START } from './report-capacity';

/** Rewrites the generated block of docs/capacity.md (formatted as the repository's Prettier config does). */
export async function writeCapacityDoc(
  c: CapacityResult,
  file = path.join(__dirname, '..', 'docs', 'capacity.md'),
): Promise<void> {
  if (!existsSync(file)) return;
  const doc = readFileSync(file, 'utf8');
  const from = doc.indexOf(START);
  const to = doc.indexOf(END);
  if (from < 0 || to < from) throw new Error(`${file} has no capacity block (${START} … ${END})`);
  const block = `${START}\n\n${capacityTable(c)}\n\n${capacityNotes(c)}\n\n${END}`;
  const options = (await resolveConfig(file)) ?? {};
  const next = doc.slice(0, from) + block + doc.slice(to + END.length);
  writeFileSync(file, await format(next, { ...options, parser: 'markdown' }));
}
