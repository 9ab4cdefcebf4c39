#!/usr/bin/env node
// Entry point: the compiled CLI lives in dist/ (built by `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
const root = dirname(dirname(fileURLToPath(import.meta.url)));
const cli = join(root, 'dist', 'sensor', 'cli.js');
if (!existsSync(cli)) {
  process.stderr.write('fennec: not built yet: run `npm run build` (or `npm run setup`) in ' + root + '\n');
  process.exit(2);
}
const { main } = await import(cli);
process.exitCode = await main(process.argv.slice(2));
