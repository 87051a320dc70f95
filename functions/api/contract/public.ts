/** The public routes besides signing up: certificate verification, the regions and their policies, this document. */
import type { Operation } from './types';

export const PUBLIC_OPERATIONS = {
  'GET /certificates/{certificateNumber}': {
    operationId: 'verifyCertificate',
    summary: 'Verify a certificate',
    description:
      'Public: whether a certificate number was issued, to whom, and whether it is valid today (valid, ' +
      'expired, cancelled or lapsed).',
    tag: 'Certificates',
    roles: ['public'],
    status: 200,
    response: 'CertificateVerification',
    errors: [400, 404, 429],
    example: {
      response: {
        certificateNumber: 'SECOR-AB-2027-000123',
        legalName: 'Acme Roofing Ltd.',
        region: 'AB',
        issuedOn: '2027-03-15',
        expiresOn: '2030-03-15',
        status: 'valid',
      },
    },
  },
  'GET /regions': {
    operationId: 'listRegions',
    summary: 'List the provinces and territories',
    description:
      'Public: every Canadian province and territory, its certifying partner, the policy in force there and its ' +
      'time zone (every date a company there sees is a date in that zone).',
    tag: 'Regions',
    roles: ['public'],
    status: 200,
    response: 'RegionList',
    errors: [400, 429],
  },
  'GET /regions/{region}/policy': {
    operationId: 'getRegionPolicy',
    summary: "Get a region's policy",
    description:
      'Public: the policy in force in a region — every rule with its value, whether a certifying partner ' +
      'published it, and its source; the program elements (by id and published name: either is accepted); the ' +
      'reminder schedule; the time zone. The region code in any letter case; an unknown one is 404.',
    tag: 'Regions',
    roles: ['public'],
    status: 200,
    response: 'RegionPolicy',
    errors: [400, 404, 429],
  },
  'GET /openapi.json': {
    operationId: 'getOpenApiDocument',
    summary: 'Get this OpenAPI document',
    description: 'The OpenAPI 3.1 document of this API, generated from the schemas the API validates with.',
    tag: 'Documentation',
    roles: ['public'],
    status: 200,
    response: 'OpenApiDocument',
    errors: [400, 429],
  },
} as const satisfies Record<string, Operation>;
