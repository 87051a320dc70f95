import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { generateValidators } from '../../../functions/api/validator-source';

test('the precompiled validators are up to date with schemas.ts (run `npm run build:validators`)', () => {
  const file = path.resolve(__dirname, '..', '..', '..', 'functions', 'api', 'validators.generated.js');
  expect(readFileSync(file, 'utf8')).toBe(generateValidators());
});
