/** Who is calling, as the authorizer resolved it, and the role table of API.md. */
import { createHash, randomBytes } from 'node:crypto';
import type { Actor } from '../../domain';
import { forbidden, unauthenticated } from './errors';

export type Principal =
  | { role: 'public' }
  /** `session`: the hash of the session key, when signed in by email (absent for an API key). */
  | { role: 'company'; companyId: string; session?: string }
  | { role: 'trainee'; companyId: string; session?: string }
  /** `regions`: the only regions the key may be used in (absent: every region). */
  | { role: 'assessor'; assessorId: string; regions?: string[] }
  | { role: 'reviewer'; reviewerId: string; regions?: string[] }
  | { role: 'ops'; id: string };

export type Role = Principal['role'];

/** A new API key: 32 random bytes, base64url, with a readable prefix. Shown once; only its hash is stored. */
export function newApiKey(role: 'company' | 'assessor' | 'reviewer' | 'ops'): string {
  return `secor_${role}_${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The bearer token of an Authorization header, or null. */
export function bearer(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m ? (m[1] as string) : null;
}

/** The actor recorded on what a principal writes. */
export function actorOf(p: Principal): Actor {
  switch (p.role) {
    case 'public':
      return 'public';
    case 'company':
      return 'company';
    case 'trainee':
      return 'trainee';
    case 'assessor':
      return `assessor:${p.assessorId}`;
    case 'reviewer':
      return `reviewer:${p.reviewerId}`;
    case 'ops':
      return 'ops';
  }
}

/** Enforces an assessor's or reviewer's region scope on a company of `region`. */
export function authorizeRegion(p: Principal, region: string): void {
  if ((p.role === 'assessor' || p.role === 'reviewer') && p.regions && !p.regions.includes(region)) {
    throw forbidden(`this ${p.role} key is for ${p.regions.join(', ')}; the company is in ${region}`);
  }
}

/** Enforces the route's roles, and that a company acts only on itself. */
export function authorize(p: Principal, roles: readonly Role[], companyId?: string): void {
  if (roles.includes('public')) return;
  if (p.role === 'public') throw unauthenticated();
  if (!roles.includes(p.role)) {
    throw forbidden(`this route is for ${roles.join(' or ')} keys; a ${p.role} key may not use it`);
  }
  if (
    (p.role === 'company' || p.role === 'trainee') &&
    companyId !== undefined &&
    p.companyId !== companyId
  ) {
    throw forbidden(
      `a ${p.role === 'company' ? 'company key' : 'trainee session'} may only be used on its own company`,
    );
  }
}
