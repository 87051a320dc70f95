/**
 * Item 2: every Lambda handler of the stack bundled as CDK bundles it (esbuild: platform node, target node22,
 * minified, CommonJS, `@aws-sdk/*` external, linked source map), then loaded in fresh Node processes:
 *
 * - bundle size: the .js file (the source map is reported apart: it ships in the zip but is not code);
 * - module init: the `require` of the bundle, timed inside the process;
 * - cold init: process start → handler ready (Node's own start-up + module init), which is what Lambda's
 *   "Init Duration" measures; the ratio is taken against a bare handler (`async () => ({statusCode: 200})`),
 *   bundled and loaded the same way in the same run. A bare handler that only creates a DynamoDB
 *   DocumentClient is measured too: it shows how much of a handler's init is the AWS SDK.
 *
 * Each process runs with the functions' environment (NODE_OPTIONS=--enable-source-maps, as the stack sets it)
 * and resolves the external AWS SDK from the repository's node_modules (in Lambda: the runtime's copy).
 * Targets are measured round-robin (one process each per round) so that drift hits all of them alike.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { median, progress, round } from './lib/child';

const ROOT = path.resolve(__dirname, '..');

export interface ColdStartRow {
  name: string;
  module: string;
  bundleKb: number;
  sourceMapKb: number;
  /** Median over the runs, ms. */
  moduleInitMs: number;
  coldInitMs: number;
  /** coldInitMs / the bare handler's coldInitMs. */
  ratio: number;
  /** coldInitMs / the bare + DynamoDB client handler's coldInitMs. */
  ratioToSdk: number;
  /** What the bundle is made of: its largest packages (or source folders), KB in the output. */
  largestInputs: { name: string; kb: number }[];
}

export interface ColdStartResult {
  runs: number;
  node: string;
  rows: ColdStartRow[];
  bare: ColdStartRow;
  bareSdk: ColdStartRow;
}

const MEASURE = `
const t0 = performance.now();
const m = require(process.argv[1]);
const t1 = performance.now();
if (typeof m.handler !== 'function') throw new Error('no handler export');
process.stdout.write(JSON.stringify({ init: t1 - t0, ready: t1 }));
`;

const BARE = `export const handler = async () => ({ statusCode: 200, body: 'ok' });\n`;
const BARE_SDK = `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
export const handler = async (event: { id: string }) =>
  (await doc.send(new GetCommand({ TableName: process.env.TABLE_NAME, Key: { PK: event.id, SK: 'PROFILE' } }))).Item;
`;

/** The stack's Lambda handler modules, from the synthesized template. */
async function handlerModules(): Promise<string[]> {
  const { synthesizeLifecycle } = await import('../local/synthesized');
  const modules = new Set<string>();
  for (const r of Object.values(synthesizeLifecycle().template.Resources)) {
    const entry = r.Metadata?.['secor:handler'];
    if (r.Type === 'AWS::Lambda::Function' && typeof entry === 'string') modules.add(entry);
  }
  return [...modules].sort();
}

export async function coldStart(options: { runs: number }): Promise<ColdStartResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'secor-bench-bundles-'));
  try {
    writeFileSync(path.join(dir, 'bare.ts'), BARE);
    writeFileSync(path.join(dir, 'bare-sdk.ts'), BARE_SDK);
    const targets = [
      { name: 'bare handler', module: '(bare)', entry: path.join(dir, 'bare.ts') },
      { name: 'bare + DynamoDB client', module: '(bare-sdk)', entry: path.join(dir, 'bare-sdk.ts') },
      ...(await handlerModules()).map((module) => ({
        name: module.replace(/^functions\//, '').replace(/\.ts$/, ''),
        module,
        entry: path.join(ROOT, module),
      })),
    ];
    const bundles = [];
    for (const [i, t] of targets.entries()) {
      const outfile = path.join(dir, 'out', `${i}`, 'index.js');
      const built = await build({
        entryPoints: [t.entry],
        metafile: true,
        outfile,
        bundle: true,
        platform: 'node',
        target: 'node22',
        format: 'cjs',
        minify: true,
        sourcemap: true,
        external: ['@aws-sdk/*'],
        logLevel: 'silent',
      });
      const byInput = new Map<string, number>();
      for (const output of Object.values(built.metafile.outputs)) {
        for (const [file, input] of Object.entries(output.inputs)) {
          const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1];
          const name = pkg ?? file.split('/').slice(0, 2).join('/');
          byInput.set(name, (byInput.get(name) ?? 0) + input.bytesInOutput);
        }
      }
      bundles.push({
        ...t,
        outfile,
        largestInputs: [...byInput]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 4)
          .map(([name, bytes]) => ({ name, kb: round(bytes / 1024, 1) })),
        bundleKb: statSync(outfile).size / 1024,
        sourceMapKb: statSync(`${outfile}.map`).size / 1024,
      });
    }
    progress(`cold start: ${bundles.length} bundles built; ${options.runs} fresh processes each`);
    const env = {
      PATH: process.env.PATH,
      NODE_PATH: path.join(ROOT, 'node_modules'),
      NODE_OPTIONS: '--enable-source-maps',
      AWS_REGION: 'ca-central-1',
      AWS_LAMBDA_FUNCTION_NAME: 'bench',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      TABLE_NAME: 'secor',
      SENDER_ADDRESS: 'secor@example.com',
      OPS_EMAIL: 'operations@example.com',
      STATE_MACHINE_ARN: 'arn:aws:states:ca-central-1:000000000000:stateMachine:secor',
      PUBLIC_API_URL: 'https://api.example.com',
      POWERTOOLS_SERVICE_NAME: 'secor-lifecycle',
    };
    const samples = bundles.map(() => ({ init: [] as number[], ready: [] as number[] }));
    for (let run = 0; run < options.runs; run++) {
      for (const [i, b] of bundles.entries()) {
        const out = spawnSync(process.execPath, ['-e', MEASURE, b.outfile], { env, encoding: 'utf8' });
        if (out.status !== 0) throw new Error(`${b.name}: cold start failed: ${out.stderr}`);
        const m = JSON.parse(out.stdout) as { init: number; ready: number };
        samples[i]?.init.push(m.init);
        samples[i]?.ready.push(m.ready);
      }
    }
    const rows = bundles.map((b, i) => ({
      name: b.name,
      module: b.module,
      bundleKb: round(b.bundleKb, 1),
      sourceMapKb: round(b.sourceMapKb, 1),
      moduleInitMs: round(median(samples[i]?.init ?? []), 1),
      coldInitMs: round(median(samples[i]?.ready ?? []), 1),
      ratio: 0,
      ratioToSdk: 0,
      largestInputs: b.largestInputs,
    }));
    const bare = rows[0] as ColdStartRow;
    const bareSdk = rows[1] as ColdStartRow;
    for (const r of rows) {
      r.ratio = round(r.coldInitMs / bare.coldInitMs, 2);
      r.ratioToSdk = round(r.coldInitMs / bareSdk.coldInitMs, 2);
    }
    return {
      runs: options.runs,
      node: process.version,
      bare,
      bareSdk,
      rows: rows.slice(2),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
