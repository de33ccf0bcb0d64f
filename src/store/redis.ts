import { Redis, type RedisOptions } from 'ioredis'

export interface RedisOpenOptions {
  connectTimeoutMs?: number
  /** A command that takes longer fails, so a hung Redis cannot hold requests. */
  commandTimeoutMs?: number
  /** Longest pause between reconnection attempts. */
  maxReconnectDelayMs?: number
  /** Told once when the connection is lost and once when it is back (not at start-up or close). */
  log?: { warn(obj: object, msg: string): void }
}

/** One Redis server as the store uses it: a command connection plus our key prefix. */
export interface RedisConn {
  readonly client: Redis
  /** Prepended to every key and channel we use, e.g. `cw:`. */
  readonly prefix: string
  /** Resolves true once connected, false if not within `timeoutMs`. */
  ready(timeoutMs?: number): Promise<boolean>
  /** A second connection for SUBSCRIBE (a subscribed connection cannot run other commands). */
  duplicateForSubscribe(): Redis
  close(): Promise<void>
}

/**
 * ioredis configured to fail fast: no offline queue and one retry, so when Redis is down a
 * command rejects at once and the caller falls back, instead of requests piling up behind
 * a reconnect. Reconnection keeps going in the background. Returns null without a url.
 */
export function openRedis(url: string | undefined, prefix: string, opts: RedisOpenOptions = {}): RedisConn | null {
  if (!url) return null
  const base: RedisOptions = {
    lazyConnect: true,
    connectTimeout: opts.connectTimeoutMs ?? 1000,
    maxRetriesPerRequest: 1,
    // At most half a second between tries: limits are shared again, and /health says so, soon after Redis is back.
    retryStrategy: (times) => Math.min(opts.maxReconnectDelayMs ?? 500, 50 * 2 ** Math.min(times, 6)),
  }
  const client = new Redis(url, {
    ...base,
    enableOfflineQueue: false,
    commandTimeout: opts.commandTimeoutMs ?? 500,
  })
  // Without a listener ioredis prints every failed reconnect; callers see failures through commands.
  client.on('error', () => {})
  let closing = false
  watchConnection(client, () => closing, opts.log)
  client.connect().catch(() => {})
  const extra: Redis[] = []
  return {
    client,
    prefix,
    ready: (timeoutMs = 2000) => waitReady(client, timeoutMs),
    duplicateForSubscribe: () => {
      // Queue SUBSCRIBE until connected; autoResubscribe restores subscriptions after a reconnect.
      const sub = new Redis(url, { ...base, enableOfflineQueue: true, autoResubscribe: true })
      sub.on('error', () => {})
      sub.connect().catch(() => {})
      extra.push(sub)
      return sub
    },
    close: async () => {
      closing = true
      for (const c of [client, ...extra]) c.disconnect()
    },
  }
}

/**
 * One warning when an established connection drops and one when it is back; reconnect attempts in
 * between say nothing. A Redis missing at start-up is the caller's to report; its arrival is logged.
 */
function watchConnection(client: Redis, closing: () => boolean, log: RedisOpenOptions['log']): void {
  if (!log) return
  const where = { redis: `${client.options.host}:${client.options.port}` }
  let state: 'starting' | 'up' | 'down' = 'starting'
  client.on('ready', () => {
    if (state === 'down') log.warn(where, 'redis is back: limits are counted in Redis again')
    state = 'up'
  })
  client.on('close', () => {
    if (closing()) return
    if (state === 'up') log.warn(where, 'redis connection lost: counting limits in this process until it is back')
    state = 'down'
  })
}

function waitReady(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true)
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer)
      client.off('ready', onReady)
      resolve(ok)
    }
    const onReady = () => done(true)
    const timer = setTimeout(() => done(false), timeoutMs)
    client.on('ready', onReady)
  })
}
