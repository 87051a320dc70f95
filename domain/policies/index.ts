/**
 * The region policy files. Adding a region: add `XX.json` beside this file and list it here
 * (test/unit/domain/policy.test.ts fails when a file in this folder is not listed).
 */
import { parsePolicy, PolicyRegistry } from '../policy';
import AB from './AB.json';
import BC from './BC.json';
import MB from './MB.json';
import SK from './SK.json';
import defaultPolicy from './default.json';

export const POLICY_FILES: Record<string, unknown> = {
  'default.json': defaultPolicy,
  'AB.json': AB,
  'BC.json': BC,
  'MB.json': MB,
  'SK.json': SK,
};

export const policies = new PolicyRegistry(
  Object.entries(POLICY_FILES).map(([file, raw]) => parsePolicy(file, raw)),
);
