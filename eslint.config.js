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
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/vvp-emulator/**', '**/vvp/**', '**/vvpdeployment/**'] }] },
  },
  {
    // The resource sits between the two rooms and uses each through its door (index.ts), never a module behind it.
    files: ['apiserver/vvpdeployment/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/vvp-emulator/**'], message: 'the emulator shares no code with the product' },
          { group: ['../k8s/*', '!../k8s/index.js', '../vvp/*', '!../vvp/index.js'], message: 'import the room through its index.ts' },
        ],
      }],
    },
  },
  {
    files: ['apiserver/vvp/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/vvp-emulator/**', '**/k8s/**', '**/vvpdeployment/**', '@kubernetes/*'] }] },
  },
);
