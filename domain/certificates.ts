import type { IsoTimestamp } from './dates';
import { localDateOf, timeZoneOf } from './time';
import type { Certificate, CertificateStatus } from './types';

/**
 * Certificate numbers are unique per region: `SECOR-<region>-<year issued>-<sequence>`, the sequence being
 * allocated per region by an adapter (an atomic counter); the domain only formats it.
 */
export function formatCertificateNumber(region: string, issuedOn: string, sequence: number): string {
  if (!Number.isInteger(sequence) || sequence < 1)
    throw new RangeError(`certificate sequence must be a positive integer, got ${sequence}`);
  return `SECOR-${region}-${issuedOn.slice(0, 4)}-${String(sequence).padStart(6, '0')}`;
}

export const CERTIFICATE_NUMBER_RE = /^SECOR-[A-Z]{2}-\d{4}-\d{6,}$/;

/**
 * The status a verifier sees: cancelled/lapsed as recorded, else expired once its expiry date has ended in the
 * region's province, else valid.
 */
export function certificateStatus(
  certificate: Certificate,
  now: IsoTimestamp,
  region: string,
): CertificateStatus {
  if (certificate.status !== 'valid') return certificate.status;
  return localDateOf(now, timeZoneOf(region)) > certificate.expiresOn ? 'expired' : 'valid';
}
