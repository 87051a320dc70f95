import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { synthesizeLifecycle } from '../../local/synthesized';
import { diagramBlock, DIAGRAM_END, DIAGRAM_START, renderMermaid } from '../../workflows/diagram';

test("README's lifecycle diagram is the synthesized definition (run `npm run diagram` after changing it)", () => {
  const readme = readFileSync(path.resolve(__dirname, '..', '..', 'README.md'), 'utf8');
  const start = readme.indexOf(DIAGRAM_START);
  const end = readme.indexOf(DIAGRAM_END);
  expect(start).toBeGreaterThan(0);
  expect(readme.slice(start, end + DIAGRAM_END.length)).toBe(diagramBlock(synthesizeLifecycle().definition));
});

test('every state of the definition is in the diagram, and every fragment is a subgraph', () => {
  const def = synthesizeLifecycle().definition;
  const mermaid = renderMermaid(def);
  for (const name of Object.keys(def.States)) expect(mermaid).toContain(name.replace(/[^A-Za-z0-9]/g, '_'));
  for (const fragment of [
    'Registration',
    'Training',
    'Implementation',
    'CertificationAudit',
    'MaintenanceYear2',
    'MaintenanceYear3',
    'Recertification',
  ]) {
    expect(mermaid).toContain(`subgraph ${fragment}`);
  }
  // RoutePhase's rules are labelled with the plan action they test (the phase is the target's subgraph).
  expect(mermaid).toContain('RoutePhase -->|notify / continue| CheckTrainingProgress');
  expect(mermaid).toContain('RoutePhase -->|advance| StartNextExecution');
});
