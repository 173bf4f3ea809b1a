/**
 * Starts a worker thread on one of our modules, from src/ (vitest, tsx) and from dist/ alike.
 * `entry` is the module's path relative to the caller's module, without its extension.
 */
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { Worker, type WorkerOptions } from 'node:worker_threads'

export function startWorkerThread(callerUrl: string, entry: string, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  if (callerUrl.endsWith('.ts')) {
    // Running from src/: the thread registers tsx's loader, then imports the entry. tsx's ESM API (its
    // CommonJS twin looks for a file it does not ship), resolved from here, not from the cwd.
    const tsx = pathToFileURL(
      createRequire(callerUrl)
        .resolve('tsx/esm/api')
        .replace(/\.cjs$/, '.mjs'),
    ).href
    const url = new URL(`${entry}.ts`, callerUrl).href
    const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url)}) })`
    return new Worker(boot, { ...options, eval: true })
  }
  return new Worker(new URL(`${entry}.js`, callerUrl), options)
}
