// @ts-check
/** One Jest run for the whole workspace: unit specs beside the code, *.int-spec.ts against real infra. */
const { readFileSync } = require('node:fs');

const { compilerOptions } = JSON.parse(readFileSync(`${__dirname}/tsconfig.base.json`, 'utf8'));
const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [
    `^${alias}$`,
    `<rootDir>/${target}`,
  ]),
);

/** What both projects share: TypeScript through SWC with decorator metadata, the tsconfig paths. */
const shared = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testPathIgnorePatterns: ['/node_modules/', '/.cache/', '/data/'],
  // The maintained JOSE/OpenID libraries ship only ES modules: SWC turns them into CommonJS for
  // Jest (services load them with Node 24's require(esm)). docs/decisions/0008.
  transformIgnorePatterns: ['/node_modules/(?!(jose|openid-client|oauth4webapi|oidc-provider)/)'],
  transform: {
    '^.+\\.js$': ['@swc/jest', { module: { type: 'commonjs' } }],
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2023',
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleNameMapper,
};

/**
 * Three projects: `unit` (`*.spec.ts`, beside the code, no infrastructure: `npx nx test domain` or
 * `npx jest --selectProjects unit` start nothing), `medium` (`*.medium-spec.ts`: one service on a
 * real PostgreSQL with the in-process transport, no Kafka) and `integration` (`*.int-spec.ts`,
 * against the real Kafka and PostgreSQL its global setup provides). Jest runs a project's global setup only
 * when one of its tests is selected.
 * @type {import('jest').Config}
 */
module.exports = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools}/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,tools}/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/jest-global-setup.ts',
      globalTeardown: '<rootDir>/libs/testing/src/jest-global-teardown.ts',
    },
    {
      // The middle tier: one service's use cases on a real PostgreSQL, in-process transport, no Kafka.
      ...shared,
      displayName: 'medium',
      testMatch: ['<rootDir>/{apps,libs,tools}/**/*.medium-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/jest-medium-setup.ts',
      globalTeardown: '<rootDir>/libs/testing/src/jest-medium-teardown.ts',
    },
  ],
  maxWorkers: 2,
  testTimeout: 60_000,
  // Real brokers keep sockets open briefly after close; don't wait for them.
  forceExit: true,
};
