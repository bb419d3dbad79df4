#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error('vvp-emulator is not built yet: run `npm run build` (or `make build`) in the repository first.');
  process.exit(1);
}
await import(main.href);
