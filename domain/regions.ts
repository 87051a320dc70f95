/**
 * The policies as people read them (`GET /regions`, `GET /regions/{region}/policy`): every province and
 * territory with its certifying partner, policy and time zone, and a region's policy in force — every field
 * with its value, whether a partner published it or the project chose it, and where it comes from; the program
 * elements by id and published name; the reminder schedule. Pure: from the policy files.
 */
import { policies as defaultRegistry } from './policies';
import {
  isRegion,
  POLICY_FIELDS,
  type PolicyField,
  type PolicyRegistry,
  type ProgramElement,
  type Region,
  REGIONS,
} from './policy';
import { BUSINESS_HOURS, REGION_NAMES, timeZoneOf } from './time';

export interface RegionSummary {
  region: Region;
  name: string;
  /** The certifying partner of the region's own policy; null where the default (seed) policy applies. */
  certifyingPartner: string | null;
  policyId: string;
  timeZone: string;
}

export interface PolicyFieldView {
  value: unknown;
  source: 'sourced' | 'default';
  reference: string | null;
}

export interface PolicyView extends RegionSummary {
  policyName: string;
  fields: Record<Exclude<PolicyField, 'programElements'>, PolicyFieldView>;
  elements: ProgramElement[];
  reminders: {
    /** An opening notice when a step's window opens (and it was not open when the company was told). */
    openingNotice: true;
    daysBeforeDue: number[];
    /** Notices go out in business hours, local time: each company at its own minute in this window. */
    businessHours: { from: string; to: string };
    /** At most one lifecycle email a day a person: what is due the same day goes in one email. */
    emailsPerPersonPerDay: 1;
  };
}

const hhmm = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

export function regionSummary(region: Region, registry: PolicyRegistry = defaultRegistry): RegionSummary {
  const policy = registry.forRegion(region);
  return {
    region,
    name: REGION_NAMES[region],
    certifyingPartner: policy.id === 'default' ? null : policy.certifyingPartner,
    policyId: policy.id,
    timeZone: timeZoneOf(region),
  };
}

/** Every Canadian province and territory, in code order. */
export function listRegions(registry: PolicyRegistry = defaultRegistry): RegionSummary[] {
  return REGIONS.map((r) => regionSummary(r, registry));
}

/** The policy in force in a region (its own file, or the default one); null for a code that is not a region. */
export function policyView(region: string, registry: PolicyRegistry = defaultRegistry): PolicyView | null {
  const code = region.toUpperCase();
  if (!isRegion(code)) return null;
  const policy = registry.forRegion(code);
  const fields = Object.fromEntries(
    POLICY_FIELDS.filter((f) => f !== 'programElements').map((f) => [
      f,
      {
        value: policy[f],
        source: policy.sources[f].source,
        reference: policy.sources[f].reference ?? null,
      },
    ]),
  ) as PolicyView['fields'];
  return {
    ...regionSummary(code, registry),
    policyName: policy.name,
    fields,
    elements: policy.programElements.map((e) => ({ id: e.id, name: e.name })),
    reminders: {
      openingNotice: true,
      daysBeforeDue: [...policy.reminderDaysBeforeDeadline],
      businessHours: { from: hhmm(BUSINESS_HOURS.fromMinute), to: hhmm(BUSINESS_HOURS.toMinute) },
      emailsPerPersonPerDay: 1,
    },
  };
}
