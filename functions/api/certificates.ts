/** Public certificate verification: GET /certificates/{certificateNumber}. */
import { CERTIFICATE_NUMBER_RE, certificateStatus } from '../../domain';
import { systemClock } from '../lib/clock';
import { CompanyRepository, IndexRepository } from '../lib/repositories';
import { HttpError, notFound } from './errors';
import { createApi, defineRoutes, type Ctx, type Reply } from './http';

const companies = new CompanyRepository();
const index = new IndexRepository();
export const clock = { now: systemClock };

async function verify({
  params,
}: Ctx<'GET /certificates/{certificateNumber}'>): Promise<Reply<'GET /certificates/{certificateNumber}'>> {
  const number = (params.certificateNumber ?? '').toUpperCase();
  if (!CERTIFICATE_NUMBER_RE.test(number)) {
    throw new HttpError(400, 'VALIDATION_FAILED', 'a certificate number looks like SECOR-AB-2027-000123', [
      { path: 'path:certificateNumber', message: 'must match SECOR-<region>-<year>-<sequence>' },
    ]);
  }
  const companyId = await index.companyOfCertificate(number);
  const stored = companyId ? await companies.load(companyId) : null;
  const c = stored?.company;
  const certificate =
    c && [c.certificate, ...c.pastCertificates].find((x) => x?.certificateNumber === number);
  if (!c || !certificate) throw notFound(`certificate ${number}`);
  return {
    status: 200,
    body: {
      certificateNumber: certificate.certificateNumber,
      legalName: c.legalName,
      region: c.region,
      issuedOn: certificate.issuedOn,
      expiresOn: certificate.expiresOn,
      status: certificateStatus(certificate, clock.now(), c.region),
    },
  };
}

export const routes = defineRoutes({ 'GET /certificates/{certificateNumber}': verify });

export const handler = createApi(routes);
