// Counts of live async resources by type (Timeout, TCPWRAP, ...), kept by an async hook between
// start() and stop(): a resource counts from its init until its destroy. Promises are left out
// and other request objects (they hold no handle; some, like RANDOMBYTESREQUEST, never report
// their destroy) are left out.
import { createHook } from 'node:async_hooks'

/** What can be left behind (an Immediate runs once, so cannot): timers, sockets, servers, pipes, in-flight HTTP messages, workers. */
const TRACKED = new Set([
  'Timeout', 'TCPWRAP', 'TCPSERVERWRAP', 'TCPCONNECTWRAP', 'PIPEWRAP', 'PIPECONNECTWRAP', 'TLSWRAP',
  'HTTPINCOMINGMESSAGE', 'HTTPCLIENTREQUEST', 'WORKER', 'MESSAGEPORT', 'FSEVENTWRAP', 'SIGNALWRAP', 'PROCESSWRAP',
])

export interface ResourceCounter {
  /** Live resources of each type now. */
  snapshot(): Record<string, number>
  /** Resources made since start(), by type (live or not): shows the hook saw the work. */
  created(): Record<string, number>
  /** Where each live resource of a type was made (FAULT_DEBUG=1 only). */
  stacks(type: string): string[]
  stop(): void
}

export function countResources(): ResourceCounter {
  const live = new Map<number, string>()
  const where = new Map<number, string>()
  const made: Record<string, number> = {}
  const debug = Boolean(process.env.FAULT_DEBUG)
  const hook = createHook({
    init(asyncId, type) {
      if (!TRACKED.has(type)) return
      live.set(asyncId, type)
      made[type] = (made[type] ?? 0) + 1
      if (debug) where.set(asyncId, new Error().stack ?? '')
    },
    destroy(asyncId) {
      live.delete(asyncId)
      where.delete(asyncId)
    },
  })
  hook.enable()
  return {
    snapshot: () => {
      const out: Record<string, number> = {}
      for (const type of live.values()) out[type] = (out[type] ?? 0) + 1
      return out
    },
    created: () => ({ ...made }),
    stacks: (type) => [...live].filter(([, t]) => t === type).map(([id]) => where.get(id) ?? '(FAULT_DEBUG unset)'),
    stop: () => hook.disable(),
  }
}

/** What grew from `before` to `after`, by type (types that shrank or stayed are left out). */
export function growth(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [type, n] of Object.entries(after)) if (n > (before[type] ?? 0)) out[type] = n - (before[type] ?? 0)
  return out
}

/** Handles keeping the event loop alive, by type (Node's own view: ref'd timers, sockets, servers). */
export function activeResources(): Record<string, number> {
  const out: Record<string, number> = {}
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1
  return out
}
