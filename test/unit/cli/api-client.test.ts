/** The shared API client: where it connects and as whom, and how it reads the API's answers. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiClient, ApiError, apiBaseUrl, UsageError } from '../../../cli/api-client';
import { printTable } from '../../../cli/output';

const ENV = { ...process.env };
afterEach(() => {
  process.env = { ...ENV };
});

describe('where it connects', () => {
  test('--api-url, else SECOR_URL, else the local runtime on SECOR_PORT (3000)', () => {
    delete process.env.SECOR_URL;
    delete process.env.SECOR_PORT;
    expect(apiBaseUrl().url.origin).toBe('http://127.0.0.1:3000');
    process.env.SECOR_PORT = '3100';
    expect(apiBaseUrl()).toEqual({ url: new URL('http://127.0.0.1:3100'), explicit: false });
    process.env.SECOR_URL = 'http://localhost:4000';
    expect(apiBaseUrl()).toEqual({ url: new URL('http://localhost:4000'), explicit: true });
    expect(apiBaseUrl('https://x.execute-api.ca-central-1.amazonaws.com').url.hostname).toBe(
      'x.execute-api.ca-central-1.amazonaws.com',
    );
    expect(() => apiBaseUrl('not a url')).toThrow(UsageError);
    expect(() => apiBaseUrl('ftp://example.com')).toThrow('--api-url must be http(s)');
  });

  test('as whom: the ops key given, the local one, or SigV4 for an API elsewhere', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'secor-cli-'));
    process.env.SECOR_DATA_DIR = dir;
    delete process.env.SECOR_URL;
    expect(() => ApiClient.forOps({})).toThrow(/no ops key: .*ops-key does not exist/);
    writeFileSync(path.join(dir, 'ops-key'), 'secor_ops_local\n');
    expect(ApiClient.forOps({}).auth).toEqual({ bearer: 'secor_ops_local' });
    expect(ApiClient.forOps({ opsKey: 'given' }).auth).toEqual({ bearer: 'given' });
    expect(ApiClient.forOps({ apiUrl: 'http://127.0.0.1:9' }).auth).toEqual({ bearer: 'secor_ops_local' });
    expect(ApiClient.forOps({ apiUrl: 'https://x.execute-api.ca-central-1.amazonaws.com' }).auth).toBe(
      'sigv4',
    );
    expect(() => ApiClient.forOps({ opsKey: ' ' })).toThrow('--ops-key is empty');
  });
});

describe('answers', () => {
  let server: Server;
  let base: string;
  const seen: { method?: string; url?: string; authorization?: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
      if (req.url?.startsWith('/ok')) return res.writeHead(200).end('{"fine":true}');
      if (req.url === '/contract-error')
        return res
          .writeHead(422)
          .end('{"error":{"code":"WRONG_PHASE","message":"no","details":[{"path":"/x","message":"bad"}]}}');
      res.writeHead(403).end('{"message":"Forbidden"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('ok: the body of a 2xx; the default key, or the key of the request; the query', async () => {
    const client = new ApiClient(base, { bearer: 'ops' });
    await expect(client.ok('GET', '/ok', undefined, undefined, { a: 1, b: undefined })).resolves.toEqual({
      fine: true,
    });
    await client.ok('GET', '/ok', undefined, 'company');
    expect(seen.slice(-2)).toEqual([
      { method: 'GET', url: '/ok?a=1', authorization: 'Bearer ops' },
      { method: 'GET', url: '/ok', authorization: 'Bearer company' },
    ]);
    await new ApiClient(base).ok('GET', '/ok');
    expect(seen.at(-1)?.authorization).toBeUndefined();
  });

  test("a non-2xx is an ApiError: the contract's code and details, or API Gateway's message", async () => {
    const client = new ApiClient(base);
    await expect(client.ok('POST', '/contract-error', {})).rejects.toMatchObject({
      status: 422,
      code: 'WRONG_PHASE',
      details: [{ path: '/x', message: 'bad' }],
      request: 'POST /contract-error',
    });
    await expect(client.ok('GET', '/denied')).rejects.toMatchObject({
      code: 'HTTP_403',
      message: 'Forbidden',
    });
    await expect(client.call('GET', '/denied')).resolves.toMatchObject({
      status: 403,
      body: { message: 'Forbidden' },
    });
    await expect(new ApiClient('http://127.0.0.1:9').ok('GET', '/')).rejects.toBeInstanceOf(ApiError);
  });
});

test('tables: aligned columns, `-` for empty cells, no trailing spaces', () => {
  const lines: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (lines.push(String(s)), true));
  try {
    printTable(
      [
        { a: 'x', b: null },
        { a: 'longer', b: 2 },
      ],
      [
        ['a', 'A'],
        ['b', 'BEE'],
      ],
    );
  } finally {
    write.mockRestore();
  }
  expect(lines.join('')).toBe('A       BEE\nx       -\nlonger  2\n');
});

test('exit codes: 2 for usage errors, 1 for API errors (cli/ops.ts main)', async () => {
  const { main } = await import('../../../cli/ops');
  const errors: string[] = [];
  const write = jest.spyOn(process.stderr, 'write').mockImplementation((s) => (errors.push(String(s)), true));
  try {
    expect(await main(['frobnicate'])).toBe(2);
    expect(await main(['list', '--phase', 'NOPE'])).toBe(2);
    expect(await main(['--api-url', 'ftp://x', 'list'])).toBe(2);
    expect(await main(['--api-url', 'http://127.0.0.1:9', '--ops-key', 'k', 'status', 'c1'])).toBe(1);
  } finally {
    write.mockRestore();
  }
  expect(errors.join('')).toMatch(/^error: UNREACHABLE: cannot reach http:\/\/127\.0\.0\.1:9: /m);
});
