/** The public routes besides signing up: certificate verification and this document. */
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
