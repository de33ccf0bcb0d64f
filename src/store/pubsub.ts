import { EventEmitter } from 'node:events'
import type { Redis } from 'ioredis'
import type { RedisConn } from './redis.js'

export type Unsubscribe = () => void

/**
 * Messages between instances (key revocations now, call commands later). Over Redis
 * pub/sub when configured, on a second connection since a subscribed one can do nothing
 * else; in process otherwise. A publish that Redis refuses is still delivered to this
 * process, so at least the instance that made the change acts on it.
 */
export class PubSub {
  private readonly local = new EventEmitter()
  private sub: Redis | null = null
  private readonly counts = new Map<string, number>()

  constructor(private readonly redis: RedisConn | null) {
    this.local.setMaxListeners(0)
  }

  /** Resolves with where the message went: 'redis' (every instance) or 'local' (this one only). */
  async publish(channel: string, message: string): Promise<'redis' | 'local'> {
    if (this.redis) {
      try {
        await this.redis.client.publish(this.redis.prefix + channel, message)
        return 'redis'
      } catch {
        // fall through: Redis is down, tell at least this process
      }
    }
    this.local.emit(channel, message)
    return 'local'
  }

  subscribe(channel: string, fn: (message: string) => void): Unsubscribe {
    this.local.on(channel, fn)
    const n = (this.counts.get(channel) ?? 0) + 1
    this.counts.set(channel, n)
    if (this.redis && n === 1) this.subscriber().subscribe(this.redis.prefix + channel).catch(() => {})
    let done = false
    return () => {
      if (done) return
      done = true
      this.local.off(channel, fn)
      const left = (this.counts.get(channel) ?? 1) - 1
      this.counts.set(channel, left)
      if (this.redis && this.sub && left === 0) this.sub.unsubscribe(this.redis.prefix + channel).catch(() => {})
    }
  }

  /** Resolves once Redis has confirmed the subscriptions made so far (true at once without Redis). */
  async ready(timeoutMs = 2000): Promise<boolean> {
    if (!this.redis || !this.sub) return true
    const sub = this.sub
    const ok = new Promise<boolean>((resolve) => {
      if (sub.status === 'ready') return void sub.ping().then(() => resolve(true), () => resolve(false))
      sub.once('ready', () => sub.ping().then(() => resolve(true), () => resolve(false)))
    })
    const timeout = new Promise<boolean>((r) => setTimeout(r, timeoutMs, false).unref())
    return Promise.race([ok, timeout])
  }

  close(): void {
    this.local.removeAllListeners()
    this.sub?.disconnect()
    this.sub = null
  }

  private subscriber(): Redis {
    if (!this.sub) {
      const prefix = this.redis!.prefix
      this.sub = this.redis!.duplicateForSubscribe()
      this.sub.on('message', (ch: string, msg: string) => {
        if (ch.startsWith(prefix)) this.local.emit(ch.slice(prefix.length), msg)
      })
    }
    return this.sub
  }
}
