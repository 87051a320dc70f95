/**
 * The environment the handlers read at import time (the repository is created per module): import this file
 * before any module of functions/.
 */
export const ENV = {
  TABLE_NAME: 'secor-unit-test',
  SENDER_ADDRESS: 'noreply@secor.example',
  OPS_EMAIL: 'ops-desk@secor.example',
  PUBLIC_API_URL: 'https://api.secor.example',
  TASK_TOKEN_KEY_ID: 'alias/secor-unit-test',
} as const;

Object.assign(process.env, ENV, { AWS_REGION: 'ca-central-1', POWERTOOLS_LOG_LEVEL: 'DEBUG' });
// The logger must print through its own Console on process.stdout (not the jest console) so tests can read it.
delete process.env.POWERTOOLS_DEV;
delete process.env.SES_CONFIGURATION_SET;
