/**
 * README and docs/ stay true: what they quote is generated (and here compared with its generator's output) or
 * checked here against the code it describes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { MAX_BODY_BYTES, RATE_RULES } from '../../../functions/api/edge';
import { ROUTES } from '../../../functions/api/route-table';
import { SIGN_UPS_PER_ADDRESS_PER_DAY } from '../../../infra/constructs/api';
import { POLICY_TABLE_END, POLICY_TABLE_START, renderPolicyTable } from './policy-table';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const README = read('README.md');
const DOCS = readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md'));

/** The text between two markers (exclusive), or a failure naming them. */
function block(text: string, start: string, end: string): string {
  const i = text.indexOf(start);
  const j = text.indexOf(end, i + start.length);
  expect(i).toBeGreaterThanOrEqual(0);
  expect(j).toBeGreaterThan(i);
  return text.slice(i + start.length, j);
}

/** A Markdown table's rows as trimmed cells, however Prettier aligned them (separator rows dropped). */
const tableRows = (markdown: string) =>
  markdown
    .split('\n')
    .filter((l) => l.trim().startsWith('|'))
    .map((l) =>
      l
        .trim()
        .replace(/^\||\|$/g, '')
        .split('|')
        .map((c) => c.trim()),
    )
    .filter((cells) => !cells.every((c) => /^:?-+:?$/.test(c)));

describe('no document points outside the project', () => {
  test.each(['README.md', ...DOCS.map((f) => `docs/${f}`)])('%s', (file) => {
    expect(read(file)).not.toMatch(/\.\.[/]shared|shared[/](DOMAIN|API)\.md|shared[/]seeds/);
  });

  test('the policy files name public sources, not files outside the project', () => {
    for (const file of readdirSync(path.join(ROOT, 'domain', 'policies')).filter((f) => f.endsWith('.json')))
      expect(read(`domain/policies/${file}`)).not.toMatch(/shared[/]/);
  });
});

describe("README's numbers come from their generators", () => {
  test('the demo block is the output of `npm run demo -- --readme`, dated, and its summary adds up', () => {
    const demo = block(
      README,
      '<!-- demo-output:start (npm run demo -- --readme) -->',
      '<!-- demo-output:end -->',
    );
    expect(demo).toMatch(/^Output of `npm run demo -- --readme`, run \d{4}-\d{2}-\d{2} on .+:$/m);
    const emails = /^ {2}Emails sent {7}(\d+): (.+) \(\+ operations\)$/m.exec(demo);
    const executions = /^ {2}Executions {8}(\d+): (.+)$/m.exec(demo);
    expect(emails).not.toBeNull();
    expect(executions).not.toBeNull();
    expect(demo).toMatch(/^ {2}State transitions \d+$/m);
    const perRecipient = (emails?.[2] ?? '').split(', ').map((s) => Number(s.split(' ').at(-1)));
    expect(perRecipient.reduce((a, b) => a + b, 0)).toBe(Number(emails?.[1]));
    const listed = (executions?.[2] ?? '').split(', ');
    expect(listed).toHaveLength(Number(executions?.[1]));
    for (const e of listed)
      expect(e).toMatch(/^c\d+-[A-Z_0-9]+(-r\d+)? (RUNNING|SUCCEEDED|FAILED|TIMED_OUT|ABORTED)$/);
  });

  test('the Performance section is bench/PERFORMANCE.md, as `npm run bench` writes both', () => {
    const performance = block(
      README,
      '<!-- performance:start (npm run bench) -->',
      '<!-- performance:end -->',
    );
    const file = read('bench/PERFORMANCE.md');
    const comment = file.indexOf('-->');
    expect(performance.trim()).toBe(file.slice(comment + 3).trim());
    expect(performance).toMatch(/^Measured \d{4}-\d{2}-\d{2} .+ on .+; `npm run bench` took \d+ s\.$/m);
  });

  test('README quotes no timing outside the generated blocks', () => {
    const outside = README.replace(/<!-- (demo-output|performance):start[\s\S]*?<!-- \1:end -->/g, '');
    expect(outside).not.toMatch(/\b\d+(\.\d+)? ?(s|ms|seconds)\b/);
  });

  test('the coverage README quotes is the one jest enforces', () => {
    const threshold = /'\.\/domain\/': \{ lines: (\d+) \}/.exec(read('jest.config.js'))?.[1];
    expect(README).toContain(`≥ ${threshold} % line coverage`);
  });

  test('the Lambda runtime README names is the one the stack uses', () => {
    const version = /lambda\.Runtime\.NODEJS_(\d+)_X/.exec(read('infra/constructs/node-function.ts'))?.[1];
    expect(README).toContain(`Every Lambda runs Node.js ${version} on arm64`);
  });

  test('every npm script README lists exists', () => {
    const scripts = Object.keys((JSON.parse(read('package.json')) as { scripts: object }).scripts);
    for (const [, name] of README.matchAll(/`npm run ([a-z:]+)/g)) expect(scripts).toContain(name);
  });
});

describe('docs/rules.md', () => {
  test('its region policy table is the policy files (domain/policies/*.json)', () => {
    const doc = block(read('docs/rules.md'), POLICY_TABLE_START, POLICY_TABLE_END);
    const expected = block(renderPolicyTable(), POLICY_TABLE_START, POLICY_TABLE_END);
    expect(tableRows(expected).length).toBeGreaterThan(10);
    expect(tableRows(doc)).toEqual(tableRows(expected));
  });
});

describe('docs/api.md', () => {
  test('lists every route of the route table, and no other', () => {
    const routes = tableRows(block(read('docs/api.md'), '## Routes', '### The company status'))
      .slice(1)
      .map((cells) => (cells[0] ?? '').replace(/`/g, '').replace(/\?.*$/, ''));
    expect(routes.length).toBeGreaterThan(10);
    expect(routes.sort()).toEqual(ROUTES.map((r) => r.routeKey).sort());
  });
});

describe('docs/operations.md', () => {
  test('documents every SECOR_ variable the local tools read, and their email settings', () => {
    const sources = ['cli', 'local', 'bench']
      .flatMap((dir) =>
        readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' }).map((f) => `${dir}/${f}`),
      )
      .filter((f) => f.endsWith('.ts'));
    const variables = new Set(
      sources.flatMap((f) =>
        [
          ...read(f).matchAll(/process\.env\.(SECOR_[A-Z_]+|SENDER_[A-Z_]+|REPLY_TO_[A-Z_]+|OPS_EMAIL)\b/g),
        ].map((m) => m[1]),
      ),
    );
    expect(variables.size).toBeGreaterThan(0);
    const documented = tableRows(
      block(read('docs/operations.md'), "## The local runtime's settings", '```sh'),
    )
      .slice(1)
      .map((cells) => (cells[0] ?? '').replace(/`/g, ''));
    expect(documented.sort()).toEqual([...variables].sort());
  });

  test('documents every command of the ops CLI', async () => {
    const { program } = await import('../../../cli/commands');
    const doc = read('docs/operations.md');
    for (const command of program().commands) expect(doc).toContain(`| \`${command.name()}`);
  });
});

describe('docs/api.md "Limits" states the limits the code and the stack enforce', () => {
  const limits = () => block(read('docs/api.md'), '## Limits', '\n## ');
  const rows = () => tableRows(limits()).slice(1);
  const rowFor = (text: string) => {
    const row = rows().find((cells) => (cells[0] ?? '').includes(text));
    expect(row).toBeDefined();
    return row as string[];
  };

  test('each per-IP rate rule: its limit and window', () => {
    for (const rule of RATE_RULES) {
      const row = rowFor(rule.routes ? 'per source IP' : 'every request');
      expect(row[1]).toContain(
        `${rule.limit.toLocaleString('en-US')} per ${rule.windowSeconds / 60} minutes`,
      );
      expect(row[2]).toContain(`Retry-After: ${rule.windowSeconds}`);
    }
  });

  test('the per-address sign-up limit, the body limit, and the stage throttle', () => {
    expect(rowFor('contact email')[1]).toContain(`${SIGN_UPS_PER_ADDRESS_PER_DAY} a day`);
    expect(rowFor('request body')[1]).toContain(`${MAX_BODY_BYTES / 1024} KB`);
    expect(rowFor('the stage')[1]).toBe('50 requests/s, bursts of 100');
  });
});
