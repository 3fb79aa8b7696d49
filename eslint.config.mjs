import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

/**
 * Module boundaries by two tag dimensions:
 *   type:contracts  may use only contracts (no Nest, Kafka or database packages);
 *   type:domain     pure rules: contracts and domain only;
 *   type:infra      messaging, persistence, telemetry, service-kit;
 *   type:app        services; type:testing only from tests;
 *   type:dev-fake   the Plivo fake: tests and the development platform, never a service;
 * and by scope: scope:<service> may use scope:shared libs only (services talk over topics, not
 * imports); scope:platform (the all-in-one runner) is the one place that composes services.
 */
export default [
  { ignores: ['**/node_modules', '**/dist', '.cache', 'data', 'coverage', '**/*.cjs', '**/*.mjs'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // `_name`: a parameter a signature requires but the body does not use (e.g. Express's 4-arity error handler).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false } },
      ],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            {
              sourceTag: 'type:contracts',
              onlyDependOnLibsWithTags: ['type:contracts'],
              bannedExternalImports: [
                '@nestjs/*',
                'kafkajs',
                'typeorm',
                'pg',
                '@opentelemetry/*',
                'plivo',
              ],
            },
            {
              sourceTag: 'type:domain',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:domain'],
              bannedExternalImports: ['@nestjs/*', 'kafkajs', 'typeorm', 'pg', 'plivo'],
            },
            { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:contracts', 'type:infra'] },
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:infra'],
            },
            // Scopes: a service uses shared libs only, never another service (they talk over topics).
            ...[
              'call-ingest',
              'decision',
              'sms-dispatch',
              'conversation',
              'compliance',
              'reporting',
              'gateway',
            ].map((app) => ({
              sourceTag: `scope:${app}`,
              onlyDependOnLibsWithTags: ['scope:shared', `scope:${app}`],
            })),
            {
              sourceTag: 'type:testing',
              onlyDependOnLibsWithTags: [
                'type:contracts',
                'type:domain',
                'type:infra',
                'type:testing',
                'type:dev-fake',
              ],
            },
            {
              sourceTag: 'type:dev-fake',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:infra'],
            },
          ],
        },
      ],
    },
  },
  {
    // The all-in-one runner is the one place that composes the services themselves.
    files: ['apps/platform/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [
            '@textback/call-ingest',
            '@textback/decision',
            '@textback/sms-dispatch',
            '@textback/conversation',
            '@textback/compliance',
            '@textback/reporting',
            '@textback/gateway',
          ],
          // The embedded default runs the Plivo fake in place of the carrier (no real texts in development).
          depConstraints: [
            {
              sourceTag: 'scope:platform',
              onlyDependOnLibsWithTags: [
                'type:contracts',
                'type:infra',
                'type:app',
                'type:dev-fake',
              ],
            },
          ],
        },
      ],
    },
  },
  {
    // Tests may use the testing lib; production code may not (the rule above forbids it).
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/test/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
];
