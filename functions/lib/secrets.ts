/**
 * Sealing secrets the system must keep but never in plaintext: a workflow step's task token is stored on the
 * company record encrypted with KMS (the key in TASK_TOKEN_KEY_ID), bound to its purpose and company by the
 * encryption context, and opened only by the functions that complete the step.
 */
import { DecryptCommand, EncryptCommand } from '@aws-sdk/client-kms';
import { kms } from './aws';
import { requireEnv } from './env';

const context = (companyId: string) => ({ purpose: 'task-token', companyId });

/** The token, encrypted (base64). */
export async function sealTaskToken(token: string, companyId: string): Promise<string> {
  const out = await kms.send(
    new EncryptCommand({
      KeyId: requireEnv('TASK_TOKEN_KEY_ID'),
      Plaintext: Buffer.from(token, 'utf8'),
      EncryptionContext: context(companyId),
    }),
  );
  if (!out.CiphertextBlob) throw new Error('KMS returned no ciphertext');
  return Buffer.from(out.CiphertextBlob).toString('base64');
}

/** The token a sealed value holds (KMS refuses one sealed for another company). */
export async function openTaskToken(sealed: string, companyId: string): Promise<string> {
  const out = await kms.send(
    new DecryptCommand({
      CiphertextBlob: Buffer.from(sealed, 'base64'),
      EncryptionContext: context(companyId),
    }),
  );
  if (!out.Plaintext) throw new Error('KMS returned no plaintext');
  return Buffer.from(out.Plaintext).toString('utf8');
}
