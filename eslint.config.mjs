// Lint rules for the whole workspace. The module-boundary rule encodes the data flow:
// data → features → lightgbm → scoring → tracking → trainer; the API uses features, lightgbm and tracking;
// libs never import apps.
import nx from '@nx/eslint-plugin';

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/node_modules', '**/build', '**/dist', 'tmp', 'mlruns', '**/.venv', 'tools/**/*.js', '**/jest.config.js'] },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:lib', notDependOnLibsWithTags: ['type:app'] },
            { sourceTag: 'layer:data', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'layer:features', onlyDependOnLibsWithTags: ['layer:data'] },
            { sourceTag: 'layer:lightgbm', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'layer:scoring', onlyDependOnLibsWithTags: ['layer:data', 'layer:features', 'layer:lightgbm'] },
            { sourceTag: 'layer:tracking', onlyDependOnLibsWithTags: ['layer:features', 'layer:lightgbm', 'layer:scoring'] },
            { sourceTag: 'layer:drift', onlyDependOnLibsWithTags: ['layer:data'] },
            { sourceTag: 'app:trainer', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'app:api', onlyDependOnLibsWithTags: ['layer:data', 'layer:features', 'layer:lightgbm', 'layer:tracking', 'layer:drift'] },
          ],
        },
      ],
    },
  },
];
