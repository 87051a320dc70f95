import { startApi, type ApiFixture } from './setup';

let api: ApiFixture;
beforeAll(async () => {
  api = await startApi();
}, 30_000);
afterAll(() => api.close());

test('sign-up then status', async () => {
  const res = await api.call('POST', '/companies', {
    body: {
      legalName: 'Acme Roofing Ltd.',
      region: 'AB',
      employeeCount: 6,
      contact: { name: 'Pat', email: 'pat@acme.example' },
    },
  });
  expect(res.status).toBe(201);
  const { companyId, apiKey } = res.body as { companyId: string; apiKey: string };
  const status = await api.call('GET', `/companies/${companyId}`, { key: apiKey });
  expect(status.status).toBe(200);
  expect(status.body.phase).toBe('REGISTERED');
});
