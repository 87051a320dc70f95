/** @type {import('jest').Config} */
const transform = {
  '^.+\\.(t|j)s$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
};
const project = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  transform,
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  // middy 7 ships ES modules only: compile it to CommonJS like our own code.
  transformIgnorePatterns: ['/node_modules/(?!(@middy)/)'],
  ...extra,
});

module.exports = {
  projects: [project('unit'), project('infra'), project('workflow'), project('e2e')],
  collectCoverageFrom: ['domain/**/*.ts', 'functions/**/*.ts', 'workflows/**/*.ts'],
  coverageReporters: ['text-summary', 'text'],
  coverageThreshold: { './domain/': { lines: 95 } },
};
