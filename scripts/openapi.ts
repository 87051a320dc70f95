/**
 * Writes the OpenAPI document the API serves at GET /openapi.json (functions/api/openapi.ts) to a file, for
 * linting (`npm run lint:openapi`) or publishing: `node --import tsx scripts/openapi.ts [file]`
 * (default .secor/openapi.json). Needs no table and no environment.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { openApiDocument } from '../functions/api/openapi';

const file = path.resolve(process.argv[2] ?? path.join(__dirname, '..', '.secor', 'openapi.json'));
mkdirSync(path.dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
