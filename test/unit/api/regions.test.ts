/**
 * GET /regions and GET /regions/{region}/policy: the policies people can read (every response is also checked
 * against the contract by setup.ts). The element ids were discoverable only from a 422 message before.
 */
import { policies, REGIONS } from '../../../domain';
import { expectError } from './helpers';
import { startApi, type ApiFixture } from './setup';

let api: ApiFixture;
beforeAll(async () => {
  api = await startApi();
}, 30_000);
afterAll(() => api.close());

interface Summary {
  region: string;
  name: string;
  certifyingPartner: string | null;
  policyId: string;
  timeZone: string;
}

test('GET /regions: every province and territory, its partner, policy and time zone; no key needed', async () => {
  const res = await api.call('GET', '/regions');
  expect(res.status).toBe(200);
  const items = res.body.items as Summary[];
  expect(items.map((i) => i.region)).toEqual([...REGIONS]);
  expect(items.find((i) => i.region === 'BC')).toEqual({
    region: 'BC',
    name: 'British Columbia',
    certifyingPartner: policies.forRegion('BC').certifyingPartner,
    policyId: 'BC',
    timeZone: 'America/Vancouver',
  });
  // Without a policy of its own: the default policy, no partner named.
  expect(items.find((i) => i.region === 'ON')).toMatchObject({
    policyId: 'default',
    certifyingPartner: null,
    timeZone: 'America/Toronto',
  });
  expect(items.find((i) => i.region === 'NL')?.timeZone).toBe('America/St_Johns');
});

test('GET /regions/{region}/policy: every field with value, source and reference; elements by id and name; reminders', async () => {
  const res = await api.call('GET', '/regions/ab/policy');
  expect(res.status).toBe(200);
  const ab = policies.forRegion('AB');
  expect(res.body).toMatchObject({ region: 'AB', policyId: 'AB', timeZone: 'America/Edmonton' });
  const fields = res.body.fields as Record<
    string,
    { value: unknown; source: string; reference: string | null }
  >;
  expect(fields.maxEmployees).toEqual({
    value: 10,
    source: 'sourced',
    reference: ab.sources.maxEmployees.reference,
  });
  expect(fields.auditElementMinimum?.value).toBe(50);
  expect(Object.keys(fields)).not.toContain('programElements');
  expect(res.body.elements).toEqual(ab.programElements);
  expect(res.body.reminders).toEqual({
    openingNotice: true,
    daysBeforeDue: [60, 30, 14, 7, 1],
    businessHours: { from: '09:00', to: '17:00' },
    emailsPerPersonPerDay: 1,
  });
  const sk = await api.call('GET', '/regions/SK/policy');
  expect((sk.body.fields as Record<string, { value: unknown }>).certificationAuditWithinMonths?.value).toBe(
    18,
  );
});

test('a code that is not a province or territory is 404, with the contract body', async () => {
  expectError(await api.call('GET', '/regions/ZZ/policy'), 404, 'NOT_FOUND');
  expectError(await api.call('GET', '/regions/default/policy'), 404, 'NOT_FOUND');
});
