// Starting a worker thread from the module beside its caller, whether the service runs as
// TypeScript under tsx (npm start, the tests) or as compiled JavaScript.
import { Worker, type WorkerOptions } from 'node:worker_threads'
import { fileURLToPath } from 'node:url'
import { extname } from 'node:path'

/** The worker module `name` (no extension) next to the module at `callerUrl` (its import.meta.url). */
export function startWorker(callerUrl: string, name: string, options: WorkerOptions = {}): Worker {
  const url = new URL(`./${name}${extname(fileURLToPath(callerUrl))}`, callerUrl)
  // Node 20 applies `--import` loaders in a worker only after its entry module is resolved, so a
  // TypeScript worker's entry registers tsx, then imports the module.
  const entry = url.pathname.endsWith('.ts')
    ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register(); return import(${JSON.stringify(url.href)}) })`
    : url
  return new Worker(entry, { ...options, eval: typeof entry === 'string' })
}
