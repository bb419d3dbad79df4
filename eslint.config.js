import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', 'node_modules/**', '.cache/**', '.run/**', '.state/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The emulator stands in for the platform: it must not borrow the product's code, or it could not catch the client's mistakes.
    files: ['vvp-emulator/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/apiserver/**', '**/certs/**', '**/test/**'] }] },
  },
  {
    files: ['apiserver/**/*.ts', 'certs/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/vvp-emulator/**'] }] },
  },
  {
    // The product's run path (make run, make bench) does not import the test tree.
    files: ['apiservice/**/*.ts', 'tools/**/*.ts', 'bench/run.ts', 'bench/platform-calls.ts', 'bench/support.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/vvp-emulator/**', '**/test/**'] }] },
  },
  {
    // The three rooms: Kubernetes machinery knows nothing of Ververica, the VVP client nothing of Kubernetes.
    files: ['apiserver/k8s/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/vvp-emulator/**', '**/vvp/**', '**/vvpdeployment/**', '**/platform-resources/**'], message: 'the Kubernetes machinery knows nothing of Ververica: no resource room, no VVP client' },
          { group: ['**/main.js', '**/config.js', '**/settings.js'], message: 'the machinery is given its options; it does not read the server\'s' },
        ],
      }],
    },
  },
  {
    // The resource sits between the two rooms and uses each through its door (index.ts), never a module behind it.
    files: ['apiserver/vvpdeployment/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/vvp-emulator/**'], message: 'the emulator shares no code with the product' },
          { group: ['**/platform-resources/**'], message: 'the child resources build on the deployment, not the other way round: declare what you need in vvpdeployment/' },
          { group: ['**/k8s/**', '!**/k8s/index.js', '**/vvp/**', '!**/vvp/index.js'], message: 'import the room through its index.ts' },
        ],
      }],
    },
  },
  {
    // The child resources (savepoints, jobs) sit beside the resource and use all three rooms through their doors.
    files: ['apiserver/platform-resources/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/vvp-emulator/**'], message: 'the emulator shares no code with the product' },
          { group: ['**/k8s/**', '!**/k8s/index.js', '**/vvp/**', '!**/vvp/index.js', '**/vvpdeployment/**', '!**/vvpdeployment/index.js'], message: 'import the room through its index.ts' },
        ],
      }],
    },
  },
  {
    // main.ts and its helpers beside it wire the rooms together through their doors (index.ts), never a module behind one.
    files: ['apiserver/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/vvp-emulator/**'], message: 'the emulator shares no code with the product' },
          {
            group: [
              './k8s/**', '!./k8s/index.js', './vvp/**', '!./vvp/index.js',
              './vvpdeployment/**', '!./vvpdeployment/index.js', './platform-resources/**', '!./platform-resources/index.js',
            ],
            message: 'import the room through its index.ts',
          },
        ],
      }],
    },
  },
  {
    files: ['apiserver/vvp/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/vvp-emulator/**', '**/k8s/**', '**/vvpdeployment/**', '**/platform-resources/**', '@kubernetes/*'] }] },
  },
);
