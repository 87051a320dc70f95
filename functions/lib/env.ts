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
  /** The sender's display name ("From: SECOR Certification <…>"). */
  get senderName() {
    return process.env.SENDER_NAME || 'SECOR Certification';
  },
  /** Where replies go: the configured address, else the operations email, else none. */
  get replyToAddress() {
    return process.env.REPLY_TO_ADDRESS || process.env.OPS_EMAIL || null;
  },
  get configurationSet() {
    return process.env.SES_CONFIGURATION_SET || undefined;
  },
  get stateMachineArn() {
    return requireEnv('STATE_MACHINE_ARN');
  },
  /** Base URL of the links in emails. Required where emails are rendered: no placeholder link ever goes out. */
  get publicApiUrl() {
    // The stack passes the stage URL, which ends with "/": links are built as `${base}/path`.
    return requireEnv('PUBLIC_API_URL').replace(/\/+$/, '');
  },
};
