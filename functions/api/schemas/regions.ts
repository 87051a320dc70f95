/** The bodies of `GET /regions` and `GET /regions/{region}/policy` (domain/regions.ts builds them). */
import { Type } from '@sinclair/typebox';
import { POLICY_FIELDS } from '../../../domain';
import { nullable, region } from './common';

const regionSummary = {
  region,
  name: Type.String({ description: 'The province or territory, as people name it' }),
  certifyingPartner: nullable(
    Type.String({ description: "The region's certifying partner(s); null where the default policy applies" }),
  ),
  policyId: Type.String({ description: 'The policy in force: the region code, or "default"' }),
  timeZone: Type.String({ description: 'IANA time zone: every date a company there sees is a date in it' }),
};

const field = Type.Object({
  value: Type.Unknown({ description: 'The value (a number, a string, a list)' }),
  source: Type.Union([Type.Literal('sourced'), Type.Literal('default')], {
    description: 'sourced: published by a certifying partner; default: chosen by this project',
  }),
  reference: nullable(Type.String({ description: 'Where the value comes from' })),
});

export const regionSchemas = {
  RegionList: Type.Object(
    { items: Type.Array(Type.Object(regionSummary)) },
    { description: 'Every Canadian province and territory, with its partner, policy and time zone' },
  ),
  RegionPolicy: Type.Object(
    {
      ...regionSummary,
      policyName: Type.String(),
      fields: Type.Object(
        Object.fromEntries(POLICY_FIELDS.filter((f) => f !== 'programElements').map((f) => [f, field])),
        { description: 'Every rule of the policy: its value, whether it is published, and its source' },
      ),
      elements: Type.Array(Type.Object({ id: Type.String(), name: Type.String() }), {
        description: 'The program and audit elements: accepted by id or by published name (any letter case)',
      }),
      reminders: Type.Object({
        openingNotice: Type.Boolean(),
        daysBeforeDue: Type.Array(Type.Integer({ minimum: 1 })),
        businessHours: Type.Object({ from: Type.String(), to: Type.String() }),
        emailsPerPersonPerDay: Type.Integer({ minimum: 1 }),
      }),
    },
    { description: 'The policy in force in a region' },
  ),
};
