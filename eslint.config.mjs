// Lint rules for the whole workspace. The module-boundary rule lists, per project, exactly the libs its code imports
// (specs and test helpers included), so a new dependency is a visible change here:
//   data, decision: none                 drift, features: data
//   lightgbm: data (its test helper reads the real CSV)   tracking: data, lightgbm
//   scoring: data, decision, features, lightgbm
//   apps/api: data, decision, drift, features, lightgbm, monitoring, tracking
//   apps/trainer: data, decision, drift, features, lightgbm, monitoring, scoring, tracking
//   monitoring: data, decision, drift
//   tools (benchmarks, reports, generators): data, decision, drift, features, lightgbm, monitoring, scoring,
//   tracking, and the internals named in `allow` below
// Libs never import apps or tools.
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  // Layout belongs to Prettier (npm run format); ESLint keeps the rules about meaning.
  prettier,
  {
    ignores: [
      '**/node_modules',
      '**/build',
      '**/dist',
      'tmp',
      'mlruns',
      '**/.venv',
      'tools/**/*.js',
      '**/jest.config.js',
    ],
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // `const { TARGET: _target, ...fields } = row` drops a key: the rest is the point, the named part is not used.
      '@typescript-eslint/no-unused-vars': ['warn', { ignoreRestSiblings: true, varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          // Benchmarks and golden comparisons that measure a project's internals or reuse its test helpers, one by
          // one (a new one is a visible change here): the features spec tables and test histories, the drift scenarios, the
          // API's model loader and its model trainer for tests, the trainer's generated test model (fault tools).
          // and the two-tier test helpers (describeRealData, syntheticDataDir) that every project's specs use.
          allow: [
            '@credit-scoring/data/testing',
            '../../../libs/features/src/feature-spec',
            '../../../libs/features/src/expr',
            '../../libs/drift/test-fixtures/scenarios',
            '../../../apps/api/src/testing/trained-model',
            '../../../apps/api/src/model/bundle',
            '../../../libs/features/src/test-support/histories',
            '../../apps/trainer/src/testing/generated-model',
            // the decision desk's screenshot script reuses its browser tests' server and Chromium launcher
            '../../apps/api/src/testing/desk-server',
          ],
          depConstraints: [
            { sourceTag: 'type:lib', notDependOnLibsWithTags: ['type:app', 'type:tool'] },
            { sourceTag: 'layer:data', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'layer:decision', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'layer:drift', onlyDependOnLibsWithTags: ['layer:data'] },
            { sourceTag: 'layer:features', onlyDependOnLibsWithTags: ['layer:data'] },
            {
              sourceTag: 'layer:monitoring',
              onlyDependOnLibsWithTags: ['layer:data', 'layer:decision', 'layer:drift'],
            },
            { sourceTag: 'layer:lightgbm', onlyDependOnLibsWithTags: ['layer:data'] },
            { sourceTag: 'layer:tracking', onlyDependOnLibsWithTags: ['layer:data', 'layer:lightgbm'] },
            {
              sourceTag: 'layer:scoring',
              onlyDependOnLibsWithTags: ['layer:data', 'layer:decision', 'layer:features', 'layer:lightgbm'],
            },
            {
              sourceTag: 'app:api',
              onlyDependOnLibsWithTags: [
                'layer:data',
                'layer:decision',
                'layer:drift',
                'layer:features',
                'layer:lightgbm',
                'layer:monitoring',
                'layer:tracking',
              ],
            },
            {
              sourceTag: 'app:trainer',
              onlyDependOnLibsWithTags: [
                'layer:data',
                'layer:decision',
                'layer:drift',
                'layer:features',
                'layer:lightgbm',
                'layer:monitoring',
                'layer:scoring',
                'layer:tracking',
              ],
            },
            {
              sourceTag: 'type:tool',
              onlyDependOnLibsWithTags: [
                'layer:data',
                'layer:decision',
                'layer:drift',
                'layer:features',
                'layer:lightgbm',
                'layer:monitoring',
                'layer:scoring',
                'layer:tracking',
              ],
            },
          ],
        },
      ],
    },
  },
];
