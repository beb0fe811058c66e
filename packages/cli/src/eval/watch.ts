import { type ChildProcess, spawn } from 'node:child_process';
import { watch } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Re-runs `hud eval` (without --watch) in a child whenever the task or environment files change. */
export async function watchEval(argv: string[], source: string): Promise<void> {
  const bin = fileURLToPath(new URL('../bin.js', import.meta.url));
  const args = argv.slice(2).filter((arg) => arg !== '--watch');
  const root = path.dirname(path.resolve(source));
  let child: ChildProcess | undefined;
  let pending = false;
  const start = () => {
    child = spawn(process.execPath, [bin, ...args], { stdio: 'inherit' });
    child.once('exit', () => {
      child = undefined;
      process.stderr.write(`\nwatching ${root} for changes (Ctrl-C to stop)\n`);
      if (pending) {
        pending = false;
        start();
      }
    });
  };
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(root, { recursive: true }, (_event, name) => {
    const file = String(name ?? '');
    if (!file || file.includes('node_modules') || file.startsWith('.')) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (child) {
        pending = true;
        child.kill('SIGINT');
      } else start();
    }, 200);
  });
  start();
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => {
      watcher.close();
      clearTimeout(timer);
      if (child) child.once('exit', () => resolve());
      else resolve();
    });
  });
}
