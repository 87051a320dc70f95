/**
 * The lifecycle as a Mermaid flowchart, rendered from an ASL definition (the synthesized one): one subgraph per
 * phase fragment, shared states outside, edges labelled with the plan action or the caught error.
 */
import { PHASE_FRAGMENTS } from './lifecycle';

interface Condition {
  Variable?: string;
  StringEquals?: string;
  And?: Condition[];
  Or?: Condition[];
}

interface State {
  Type: string;
  Next?: string;
  Default?: string;
  Choices?: (Condition & { Next: string })[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
}

export interface Definition {
  StartAt: string;
  States: Record<string, State>;
}

const id = (name: string) => name.replace(/[^A-Za-z0-9]/g, '_');

/** An edge label: the plan action(s) a rule tests (the phase key is evident from the target's subgraph). */
function labelOf(c: Condition): string {
  if (c.And)
    return c.And.filter((x) => x.Variable !== '$.phaseKey')
      .map(labelOf)
      .join(' ');
  if (c.Or) return c.Or.map(labelOf).join(' / ');
  return c.StringEquals ?? '';
}

function shape(name: string, s: State): string {
  switch (s.Type) {
    case 'Choice':
      return `${id(name)}{${name}}`;
    case 'Wait':
      return `${id(name)}[/${name}/]`;
    case 'Succeed':
      return `${id(name)}([${name}])`;
    case 'Fail':
      return `${id(name)}[[${name}]]`;
    default:
      return `${id(name)}[${name}]`;
  }
}

export function renderMermaid(def: Definition): string {
  const lines = ['flowchart TD'];
  const grouped = new Set<string>();
  for (const spec of PHASE_FRAGMENTS) {
    const members = [spec.route, spec.await, spec.check, spec.window, spec.escalate].filter(
      (n) => def.States[n],
    );
    lines.push(`  subgraph ${spec.fragment}`);
    for (const n of members) {
      lines.push(`    ${shape(n, def.States[n] as State)}`);
      grouped.add(n);
    }
    lines.push('  end');
  }
  for (const [n, s] of Object.entries(def.States)) if (!grouped.has(n)) lines.push(`  ${shape(n, s)}`);
  const edges = new Set<string>();
  for (const [n, s] of Object.entries(def.States)) {
    const from = id(n);
    if (s.Next) edges.add(`  ${from} --> ${id(s.Next)}`);
    for (const c of s.Choices ?? []) {
      const label = labelOf(c);
      edges.add(`  ${from} -->|${label}| ${id(c.Next)}`);
    }
    if (s.Default) edges.add(`  ${from} -.->|otherwise| ${id(s.Default)}`);
    for (const c of s.Catch ?? []) {
      const label = c.ErrorEquals.includes('States.ALL')
        ? 'error'
        : (c.ErrorEquals[0]?.replace(/^.*\./, '') ?? '');
      edges.add(`  ${from} -.->|${label}| ${id(c.Next)}`);
    }
  }
  return [...lines, ...[...edges]].join('\n');
}

export const DIAGRAM_START = '<!-- lifecycle-diagram:start (npm run diagram) -->';
export const DIAGRAM_END = '<!-- lifecycle-diagram:end -->';

export function diagramBlock(def: Definition): string {
  return `${DIAGRAM_START}\n\n\`\`\`mermaid\n${renderMermaid(def)}\n\`\`\`\n\n${DIAGRAM_END}`;
}

/** README's text with the diagram block replaced (or appended to the Lifecycle section). */
export function withDiagram(readme: string, def: Definition): string {
  const block = diagramBlock(def);
  const start = readme.indexOf(DIAGRAM_START);
  const end = readme.indexOf(DIAGRAM_END);
  if (start >= 0 && end > start)
    return readme.slice(0, start) + block + readme.slice(end + DIAGRAM_END.length);
  const anchor = '## The HTTP API';
  const at = readme.indexOf(anchor);
  return at >= 0 ? `${readme.slice(0, at)}${block}\n\n${readme.slice(at)}` : `${readme}\n${block}\n`;
}
