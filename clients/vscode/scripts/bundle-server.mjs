// `npm run bundle-server`: runs scripts/bundle_server.py with $PYTHON (default python3, or
// python on Windows). Extra arguments are passed on (--force, --platforms ...).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const python = process.env.PYTHON || (process.platform === 'win32' ? 'python' : 'python3');
const script = join(dirname(fileURLToPath(import.meta.url)), 'bundle_server.py');
const result = spawnSync(python, [script, ...process.argv.slice(2)], { stdio: 'inherit' });
if (result.error) {
  console.error(`bundle-server: cannot run ${python}: ${result.error.message} (set PYTHON to a Python 3 with pip)`);
  process.exit(1);
}
process.exit(result.status ?? 1);
