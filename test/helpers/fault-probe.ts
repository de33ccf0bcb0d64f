// Loaded into the service's child process with `--expose-gc --import <this file>` by the fault
// tests (never by the service itself): on SIGUSR2 it runs a full garbage collection and prints one
// line to stderr, `FAULT_PROBE {json}`, with heap and RSS after it and the process's live handles
// by kind. The service has no debug endpoint for this, and should not have one.
import { getHeapStatistics } from 'node:v8'

type Gc = (opts?: { type: 'major'; execution: 'sync' }) => void

process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: Gc }).gc
  // Twice: the first pass can leave objects that only a finalizer run frees.
  if (gc) {
    gc()
    gc()
  }
  const resources: Record<string, number> = {}
  for (const r of process.getActiveResourcesInfo()) resources[r] = (resources[r] ?? 0) + 1
  const m = process.memoryUsage()
  const line = {
    gc: Boolean(gc),
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    rss: m.rss,
    heapLimit: getHeapStatistics().heap_size_limit,
    resources,
  }
  process.stderr.write(`FAULT_PROBE ${JSON.stringify(line)}\n`)
})
