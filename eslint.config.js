// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // deploy/ holds examples for other tools (deploy/hive/gateway.config.ts imports @graphql-hive/gateway,
  // which this repository does not install); test/deploy.test.ts checks them instead.
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'src/__generated__/', 'deploy/', '.tmp/', 'test-output/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read the environment only in src/config.ts.',
        },
      ],
    },
  },
  {
    files: ['src/**'],
    ignores: ['src/**/__tests__/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'node:http',
              allowTypeImports: true,
              message: "Take node:http's functions from src/nodeHttp.ts: its ESM facade loads Node's internal undici.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/config.ts', 'scripts/**', 'bench/**', 'test/**', 'src/**/__tests__/**'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  { files: ['test/**', 'src/**/__tests__/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
);
