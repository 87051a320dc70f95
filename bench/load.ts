/**
 * Item 4: the local HTTP API under load. The runtime runs as `npm start` runs it (its own Node process,
 * local/start.ts), autocannon drives it from this process: 50 connections for a fixed duration,
 *
 * - status: `GET /companies/{id}` with the company's key, round-robin over 50 signed-up companies (each
 *   request runs the authorizer and the companies handler: two strongly consistent reads);
 * - sign-up: `POST /companies`, every request a new company (a unique legal name), each starting its
 *   lifecycle execution — so the runtime also runs the welcome task and parks each execution meanwhile.
 *
 * Errors = connection errors + timeouts + non-2xx responses; they must be 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import autocannon from 'autocannon';
import { ApiClient, pool } from './lib/client';
import { progress, round } from './lib/child';

const ROOT = path.resolve(__dirname, '..');

export interface LoadScenario {
  name: string;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  non2xx: number;
  timeouts: number;
}

export interface LoadResult {
  connections: number;
  durationSeconds: number;
  scenarios: LoadScenario[];
}

/** The runtime as `npm start` runs it, on free ports, in a temporary data folder. */
class RuntimeProcess {
  api = '';
  private child?: ChildProcess;
  readonly dataDir = mkdtempSync(path.join(os.tmpdir(), 'secor-bench-load-'));

  async start(): Promise<this> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
      cwd: ROOT,
      env: { ...process.env, SECOR_PORT: '0', SECOR_SES_PORT: '0', SECOR_DATA_DIR: this.dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`runtime did not start:\n${output}`)), 120_000);
      child.stdout?.on('data', (d: Buffer) => {
        output += d.toString();
        const api = /HTTP API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (api && output.includes('Ops key')) {
          clearTimeout(timer);
          this.api = api[1] as string;
          resolve();
        }
      });
      child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`runtime exited (${String(code)}):\n${output}`));
      });
    });
    return this;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) {
      child.removeAllListeners('exit');
      await new Promise<void>((resolve) => {
        child.on('exit', () => resolve());
        child.kill('SIGINT');
      });
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

function scenario(name: string, r: autocannon.Result): LoadScenario {
  return {
    name,
    requests: r.requests.total,
    requestsPerSecond: round(r.requests.average, 0),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    errors: r.errors + r.timeouts + r.non2xx,
    non2xx: r.non2xx,
    timeouts: r.timeouts,
  };
}

export async function load(options: { connections: number; durationSeconds: number }): Promise<LoadResult> {
  const rt = await new RuntimeProcess().start();
  try {
    const api = new ApiClient(rt.api);
    const run = Date.now().toString(36);
    const companies: { id: string; key: string }[] = [];
    await pool(
      Array.from({ length: 50 }, (_, i) => i),
      10,
      async (i) => {
        const c = await api.ok<{ companyId: string; apiKey: string }>('POST', '/companies', {
          legalName: `Load Status ${run}-${i} Ltd.`,
          region: 'AB',
          employeeCount: 5,
          contact: { name: 'Pat Owner', email: `owner-${run}-${i}@load.example` },
        });
        companies.push({ id: c.companyId, key: c.apiKey });
      },
    );
    await api.advance(0);
    progress(`load: status, ${options.connections} connections, ${options.durationSeconds} s`);
    let n = 0;
    const status = await autocannon({
      url: rt.api,
      connections: options.connections,
      duration: options.durationSeconds,
      requests: [
        {
          method: 'GET',
          setupRequest: (req) => {
            const c = companies[n++ % companies.length] as { id: string; key: string };
            return { ...req, path: `/companies/${c.id}`, headers: { authorization: `Bearer ${c.key}` } };
          },
        },
      ],
    });
    await api.advance(0);
    progress(`load: sign-up, ${options.connections} connections, ${options.durationSeconds} s`);
    let m = 0;
    const signUp = await autocannon({
      url: rt.api,
      connections: options.connections,
      duration: options.durationSeconds,
      requests: [
        {
          method: 'POST',
          setupRequest: (req) => {
            const i = m++;
            return {
              ...req,
              path: '/companies',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({
                legalName: `Load Sign-up ${run}-${i} Ltd.`,
                region: 'AB',
                employeeCount: 5,
                contact: { name: 'Pat Owner', email: `owner-${run}-s${i}@load.example` },
              }),
            };
          },
        },
      ],
    });
    return {
      connections: options.connections,
      durationSeconds: options.durationSeconds,
      scenarios: [
        scenario('sign-up (POST /companies)', signUp),
        scenario('status (GET /companies/{id})', status),
      ],
    };
  } finally {
    await rt.stop();
  }
}
