import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

/**
 * The data layer (libs/persistence): SQL reaches PostgreSQL only from a repository or a
 * migration. These calls are the statements (TypeORM's `query` and the typed helper's own).
 */
const sqlStatement = {
  selector:
    "CallExpression[callee.type='MemberExpression'][callee.property.name=/^(query|select|selectOne|selectFirst|mutate)$/]",
  message:
    'SQL belongs in a *.repository.ts (or a migration): call a repository method that returns typed rows.',
};
/** `as never` silences the branded types (TenantId, E164…); decode at the boundary instead. */
const asNever = {
  selector: "TSAsExpression[typeAnnotation.type='TSNeverKeyword']",
  message: '`as never` undoes the branded types: decode the value (a row schema, a zod parse).',
};
/** Where a statement may be written besides repositories and migrations, and why. */
const sqlAllowed = [
  '**/*.repository.ts',
  '**/migrations/**/*.ts',
  // The typed helper itself, and migrate() (CREATE SCHEMA, the migrations' statement timeout).
  'libs/persistence/src/sql.ts',
  'libs/persistence/src/database.ts',
  'libs/persistence/src/transaction.ts',
  'libs/persistence/src/prepared-statements.ts',
  'libs/persistence/src/data-source.ts',
  // Creates the database a development or test run uses, before any schema exists.
  'libs/embedded-postgres/src/**/*.ts',
];
/**
 * Cross-tenant data access (`systemScope`) is granted only in these files, each use logged:
 * relays, workers claiming due rows of every tenant, retention jobs, carrier webhooks that name
 * a call or message rather than a tenant, and lookups where the credential decides the tenant.
 */
const systemScopeAllowed = [
  'libs/persistence/src/outbox-relay.ts',
  'libs/tenancy/src/location-directory.ts',
  'apps/call-ingest/src/plivo-voice/plivo-voice.service.ts',
  'apps/call-ingest/src/plivo-voice/call-finalizer.ts',
  'apps/call-ingest/src/plivo-voice/voice-webhook-applier.ts',
  'apps/call-ingest/src/plivo-voice/answer-writer.ts',
  'apps/sms-dispatch/src/dispatch/send.worker.ts',
  'apps/sms-dispatch/src/dispatch/delivery-reports.service.ts',
  // A claim's sends (of every tenant) answered together are accepted in one statement.
  'apps/sms-dispatch/src/dispatch/send-outcomes.ts',
  'apps/sms-dispatch/src/dispatch/send-rate-limits.ts',
  // Staff phones' STOP to the platform's number: a platform fact, no tenant.
  'apps/sms-dispatch/src/dispatch/staff-consent.consumer.ts',
  'apps/compliance/src/consent/consent-ledger.service.ts',
  'apps/conversation/src/crm/crm-sync.service.ts',
  'apps/conversation/src/crm/crm.controller.ts',
  // Escalations and staff alerts of every tenant are due in one queue.
  'apps/conversation/src/alerts/alert-worker.ts',
  // Texts to the platform's own number are staff's: no tenant.
  'apps/conversation/src/inbound-sms/staff-inbound.ts',
  // Redaction after retention runs over every tenant's threads.
  'apps/conversation/src/threads/thread-retention.ts',
  'apps/gateway/src/tenancy/tenancy.service.ts',
  'apps/gateway/src/api-keys/api-keys.service.ts',
  // Users span tenants; presented refresh tokens, invitations and client secrets name their tenant.
  'apps/gateway/src/identity/identity.service.ts',
  'apps/gateway/src/identity/sessions.service.ts',
  'apps/gateway/src/identity/clients.service.ts',
  'apps/gateway/src/sign-in/sign-in.service.ts',
  'apps/gateway/src/sign-in/second-factor.service.ts',
  'apps/gateway/src/sign-in/password-reset.service.ts',
  'apps/gateway/src/single-sign-on/sso.service.ts',
  'apps/gateway/src/identity/staff-links.service.ts',
  // The audit log holds every tenant's records; the retention job covers them all.
  'apps/gateway/src/audit/audit.service.ts',
  // The partner API's request budgets are platform capacity; expired idempotency keys of every tenant go in one sweep.
  'apps/gateway/src/partner/partner-meter.ts',
  'apps/gateway/src/partner/idempotent-requests.ts',
  'apps/reporting/src/calls/call-report.projector.ts',
  'apps/reporting/src/funnel/funnel.service.ts',
  'apps/reporting/src/read-model.consumer.ts',
];
const testFiles = ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.medium-spec.ts', '**/test/**/*.ts'];

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
  {
    ignores: [
      '**/node_modules',
      '**/dist',
      '.cache',
      'data',
      'coverage',
      '**/*.cjs',
      '**/*.mjs',
      // Generated by protoc-gen-es (a test compares it with a fresh generation).
      'libs/contracts/src/partner/gen/**',
    ],
  },
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
      // `any` flowing into a typed name or read as an object is where unchecked casts hide.
      '@typescript-eslint/no-unsafe-assignment': 'error',
      '@typescript-eslint/no-unsafe-member-access': 'error',
      'no-restricted-syntax': ['error', sqlStatement, asNever],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@textback/persistence',
              importNames: ['systemScope'],
              message:
                'Cross-tenant access: take a TenantScope (scopeOf(event) or the request), or add this file to systemScopeAllowed in eslint.config.mjs with the reason.',
            },
          ],
        },
      ],
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
              onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:infra', 'type:web'],
            },
            // Browser code shared by the pages: depends on nothing of ours.
            { sourceTag: 'type:web', onlyDependOnLibsWithTags: [] },
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
  { files: sqlAllowed, rules: { 'no-restricted-syntax': ['error', asNever] } },
  { files: systemScopeAllowed, rules: { 'no-restricted-imports': 'off' } },
  {
    // Tests may use the testing lib; production code may not (the rule above forbids it). They
    // read and arrange the database directly, and may act across tenants.
    files: testFiles,
    rules: {
      '@nx/enforce-module-boundaries': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-restricted-syntax': 'off',
      'no-restricted-imports': 'off',
      // Jest's asymmetric matchers (`expect.any(Date)`) are typed `any` by design.
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  {
    // The test kit and the Plivo fake are test infrastructure, not production code.
    files: ['libs/testing/**/*.ts', 'libs/plivo-fake/**/*.ts', 'tools/**/*.ts'],
    rules: { 'no-restricted-syntax': 'off', 'no-restricted-imports': 'off' },
  },
];
