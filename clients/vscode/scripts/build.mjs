// Bundles the extension (src/extension.ts -> dist/extension.js) with esbuild, and with
// --tests the unit tests (test/unit/*.test.ts -> out/test/*.test.js, run by `node --test`).
import * as esbuild from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const production = args.has('--production');

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  external: ['vscode'],
  logLevel: 'warning',
  absWorkingDir: root,
};

if (args.has('--tests')) {
  const dir = join(root, 'test', 'unit');
  const entryPoints = readdirSync(dir)
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => join('test', 'unit', name));
  rmSync(join(root, 'out', 'test'), { recursive: true, force: true });
  await esbuild.build({ ...common, entryPoints, outdir: join(root, 'out', 'test'), sourcemap: 'inline' });
} else {
  const options = {
    ...common,
    entryPoints: [join('src', 'extension.ts')],
    outfile: join(root, 'dist', 'extension.js'),
    sourcemap: production ? false : 'linked',
    minify: production,
    metafile: false,
  };
  if (args.has('--watch')) {
    const context = await esbuild.context(options);
    await context.watch();
    console.log('esbuild: watching src/ ...');
  } else {
    rmSync(join(root, 'dist'), { recursive: true, force: true });
    await esbuild.build(options);
  }
}
