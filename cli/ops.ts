/**
 * `npm run ops -- <command>`: the operations CLI, a client of the ops API (`/ops/*`, docs/api.md) and nothing
 * else. It works the same against the local runtime and against the stack in AWS (docs/operations.md).
 *
 *   list [--phase P] [--overdue] [--region R] [--limit N]   companies (every page, filtered)
 *   status <companyId>                                       one company's status
 *   history <companyId>                                      its events and, per execution, its states
 *   executions <companyId>                                   its phase executions
 *   redrive <companyId>                                      restart the failed phase
 *   remind <companyId>                                       resend the current step's reminder now
 *   assessor create --name N --email E                       issue an assessor key (shown once)
 *
 * Where and who (cli/api-client.ts): `--api-url`, else SECOR_URL, else the local runtime on
 * http://127.0.0.1:${SECOR_PORT:-3000} with the ops key from ${SECOR_DATA_DIR:-.secor}/ops-key. An API that is
 * not on this machine (AWS: `--api-url https://….execute-api.<region>.amazonaws.com`) gets requests signed
 * with SigV4 (execute-api) from the default credential chain, as the IAM-authorized /ops/* routes require.
 * Tables for people, `--json` for scripts. Exit codes: 0 ok, 1 API error, 2 usage error.
 */
import { CommanderError } from 'commander';
import { ApiError, UsageError } from './api-client';
import { program } from './commands';

export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2; // commander printed the message
    if (e instanceof UsageError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 2;
    }
    if (e instanceof ApiError) {
      process.stderr.write(`error: ${e.code}: ${e.message}${e.status ? ` (HTTP ${e.status})` : ''}\n`);
      for (const d of e.details) process.stderr.write(`  ${d.path ?? ''}: ${d.message ?? ''}\n`);
      return 1;
    }
    process.stderr.write(`error: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
