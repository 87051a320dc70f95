/**
 * Whether the trainee's SECOR training certificate is valid on a local date: `valid`, `expiring` (inside the
 * refresher window before its expiry date) or `expired` (after it); null while no training was passed.
 */
import { addMonths, type IsoDate } from './dates';
import type { RegionPolicy } from './policy';
import type { Company } from './types';

export type TrainingValidity = 'valid' | 'expiring' | 'expired';

export function trainingValidity(c: Company, policy: RegionPolicy, today: IsoDate): TrainingValidity | null {
  const expiresOn = c.training.expiresOn;
  if (!expiresOn) return null;
  if (today > expiresOn) return 'expired';
  return today >= addMonths(expiresOn, -policy.refresherWindowMonths) ? 'expiring' : 'valid';
}
