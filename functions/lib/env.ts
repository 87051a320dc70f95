/** Configuration from the environment (set by the CDK stack in AWS, by the local runtime on one machine). */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

export const config = {
  get tableName() {
    return requireEnv('TABLE_NAME');
  },
  get senderAddress() {
    return requireEnv('SENDER_ADDRESS');
  },
  get opsEmail() {
    return process.env.OPS_EMAIL || null;
  },
  get configurationSet() {
    return process.env.SES_CONFIGURATION_SET || undefined;
  },
  get stateMachineArn() {
    return requireEnv('STATE_MACHINE_ARN');
  },
  /** Base URL companies use to reach their status (shown in emails). */
  get publicApiUrl() {
    return process.env.PUBLIC_API_URL || 'https://api.example.invalid';
  },
};
