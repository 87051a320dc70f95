/**
 * A local stand-in for AWS KMS: the JSON API subset the code uses (Encrypt, Decrypt), so task tokens are sealed
 * locally as in AWS. One symmetric key (AES-256-GCM), generated on first start and kept in the data directory
 * (mode 600); the encryption context is bound as additional authenticated data, as KMS binds it. Not a
 * security boundary: it makes the code path the same, and keeps plaintext tokens out of the local table.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const LOCAL_KMS_KEY_ID =
  'arn:aws:kms:ca-central-1:000000000000:key/00000000-0000-4000-8000-000000000001';

export interface LocalKms {
  endpoint: string;
  close(): Promise<void>;
}

const aad = (context: Record<string, string> | undefined) =>
  Buffer.from(JSON.stringify(Object.entries(context ?? {}).sort(([a], [b]) => a.localeCompare(b))), 'utf8');

/** Starts the KMS stand-in on 127.0.0.1 (`port` 0: any free port), its key in `keyFile` (made if missing). */
export async function startKms(options: { keyFile?: string; port?: number } = {}): Promise<LocalKms> {
  let key: Buffer;
  if (options.keyFile && existsSync(options.keyFile))
    key = Buffer.from(readFileSync(options.keyFile, 'utf8').trim(), 'base64');
  else {
    key = randomBytes(32);
    if (options.keyFile) writeFileSync(options.keyFile, key.toString('base64') + '\n', { mode: 0o600 });
  }
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(body));
      };
      try {
        const target = String(req.headers['x-amz-target'] ?? '');
        const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
          KeyId?: string;
          Plaintext?: string;
          CiphertextBlob?: string;
          EncryptionContext?: Record<string, string>;
        };
        if (target === 'TrentService.Encrypt') {
          if (input.KeyId !== LOCAL_KMS_KEY_ID)
            return reply(400, { __type: 'NotFoundException', message: `key ${input.KeyId} not found` });
          const iv = randomBytes(12);
          const cipher = createCipheriv('aes-256-gcm', key, iv);
          cipher.setAAD(aad(input.EncryptionContext));
          const body = Buffer.concat([
            cipher.update(Buffer.from(input.Plaintext ?? '', 'base64')),
            cipher.final(),
          ]);
          const blob = Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
          return reply(200, {
            CiphertextBlob: blob,
            KeyId: LOCAL_KMS_KEY_ID,
            EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
          });
        }
        if (target === 'TrentService.Decrypt') {
          const blob = Buffer.from(input.CiphertextBlob ?? '', 'base64');
          try {
            const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(0, 12));
            decipher.setAuthTag(blob.subarray(12, 28));
            decipher.setAAD(aad(input.EncryptionContext));
            const plain = Buffer.concat([decipher.update(blob.subarray(28)), decipher.final()]);
            return reply(200, {
              Plaintext: plain.toString('base64'),
              KeyId: LOCAL_KMS_KEY_ID,
              EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
            });
          } catch {
            return reply(400, { __type: 'InvalidCiphertextException', message: 'the ciphertext is invalid' });
          }
        }
        return reply(400, {
          __type: 'UnknownOperationException',
          message: `${target} is not served locally`,
        });
      } catch (e) {
        return reply(400, { __type: 'SerializationException', message: (e as Error).message });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
