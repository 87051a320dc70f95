/** `npm run diagram`: renders the synthesized state machine as Mermaid into README's Lifecycle section. */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { synthesizeLifecycle } from '../local/synthesized';
import { withDiagram } from '../workflows/diagram';

const readme = path.resolve(__dirname, '..', 'README.md');
const before = readFileSync(readme, 'utf8');
const after = withDiagram(before, synthesizeLifecycle().definition);
writeFileSync(readme, after);
process.stdout.write(after === before ? 'README diagram is up to date\n' : 'README diagram updated\n');
