// Type-aware lint for the whole workspace, with Nx module boundaries that constrain who imports whom.
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'libs/contracts/src/gen/**',
      '.nx/**',
      '.cairn/**',
      '.tmp/**',
      '**/*.mjs',
      '**/*.js',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/unbound-method': 'off',
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Only the config module reads process.env.' },
      ],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            // Services never import services; only the all-in-one composition root imports apps.
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:adapter', 'type:util'],
            },
            {
              sourceTag: 'type:composition',
              onlyDependOnLibsWithTags: [
                'type:app',
                'type:contracts',
                'type:domain',
                'type:adapter',
                'type:util',
              ],
            },
            // Domain code imports no transport: contracts and utilities only.
            {
              sourceTag: 'type:domain',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:util'],
            },
            {
              sourceTag: 'type:adapter',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:adapter', 'type:util'],
            },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:contracts'] },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
            { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['*'] },
            // Libraries never import services.
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:ingestion', onlyDependOnLibsWithTags: ['scope:shared', 'scope:ingestion'] },
            { sourceTag: 'scope:embedding', onlyDependOnLibsWithTags: ['scope:shared', 'scope:embedding'] },
            { sourceTag: 'scope:retrieval', onlyDependOnLibsWithTags: ['scope:shared', 'scope:retrieval'] },
            {
              sourceTag: 'scope:agent-runner',
              onlyDependOnLibsWithTags: ['scope:shared', 'scope:agent-runner'],
            },
            { sourceTag: 'scope:audit', onlyDependOnLibsWithTags: ['scope:shared', 'scope:audit'] },
            // The CLI is a client: it speaks gRPC through the shared contracts and libraries, never a service.
            { sourceTag: 'scope:cli', onlyDependOnLibsWithTags: ['scope:shared'] },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/*-domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['kafkajs', '@grpc/*', 'pg', '@qdrant/*', 'node:sqlite', '@nestjs/microservices'] },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/testing/**/*.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
            },
          ],
        },
      ],
    },
  },
  prettier,
);
