/**
 * Precompiles the API's JSON Schemas (functions/api/schemas.ts) into standalone validation code
 * (functions/api/validators.generated.js): no schema compiler in the Lambda bundles, no compile at cold start.
 * Run after changing a schema: `npm run build:validators` (a unit test fails while the file is stale).
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { generateValidators } from '../functions/api/validator-source';

const file = path.resolve(__dirname, '..', 'functions', 'api', 'validators.generated.js');
writeFileSync(file, generateValidators());
process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
