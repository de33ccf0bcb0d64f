// The data services every route leans on: the database (PostgreSQL, or PGlite under dataDir),
// Redis when configured, the rate limiter, cross-instance pub/sub, the usage recorder and metering.
import { openDb, type Db } from '../store/db.js'
import { migrate } from '../store/migrate.js'
import { openRedis, type RedisConn } from '../store/redis.js'
import { Limiter } from '../store/limits.js'
import { PubSub } from '../store/pubsub.js'
import { UsageRecorder } from '../store/usage-writer.js'
import { Metering } from '../usage/metering.js'
import { refusal } from '../http/refuse.js'
import { ensureBootstrapKey } from '../store/keys.js'
import type { Config } from '../config.js'
import { global } from './global.js'
import { LeasedLimiter } from '../store/leases.js'
import { charactersUsed } from '../store/quota.js'
import { charactersBucket } from '../usage/metering.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: Db
    redis: RedisConn | null
    limiter: Limiter
    /** Request and character limits, counted in Redis in blocks (see store/leases.ts). */
    limits: LeasedLimiter
    pubsub: PubSub
    usage: UsageRecorder
    /** Bills for requests: characters from the quota, audio made, one usage row each. */
    metering: Metering
    /** The key created on a first start (all scopes), to be shown once; null otherwise. */
    bootstrapKey: string | null
  }
}

export interface StoreDeps {
  /** A database opened by the caller (tests); it is migrated but left open on close. */
  db?: Db
  /** Clock for the limiter's windows (tests). */
  now?: () => number
}

/** How long start-up waits for Redis before counting limits in memory (and reporting degraded). */
const REDIS_WAIT_MS = 2000
/** How long a quota recount waits for this instance's buffered usage rows to be written. */
const RECOUNT_FLUSH_MS = 200

export default global(async (app, { config, deps }: { config: Config; deps: StoreDeps }) => {
  const db = deps.db ?? (await openDb({ url: config.databaseUrl, dataDir: config.dataDir }))
  const applied = await migrate(db)
  if (applied.length) app.log.info({ applied }, 'migrations applied')
  const redis = openRedis(config.redisUrl, config.redisKeyPrefix, { log: app.log })
  if (redis && !(await redis.ready(REDIS_WAIT_MS))) {
    app.log.warn('redis not reachable at start-up; counting limits in memory until it answers')
  }
  const usage = new UsageRecorder(db, {
    onError: (err) => app.log.warn({ err: { message: (err as Error).message } }, 'usage write failed'),
  })
  const created = await ensureBootstrapKey(db)

  app.decorate('db', db)
  app.decorate('redis', redis)
  const chars = charactersBucket('')
  const limiter = new Limiter(redis, {
    now: deps.now,
    // A quota count Redis lost is rebuilt from the usage rows, this instance's buffered ones first.
    recount: (bucket) => bucket.startsWith(chars)
      ? async (start, end) => (await usage.flush(RECOUNT_FLUSH_MS), charactersUsed(db, bucket.slice(chars.length), start, end))
      : null,
    outageAllowance: config.quotaOutageAllowance,
  })
  app.decorate('limiter', limiter)
  const limits = new LeasedLimiter(limiter, deps.now)
  app.decorate('limits', limits)
  app.decorate('pubsub', new PubSub(redis))
  app.decorate('usage', usage)
  app.decorate('metering', new Metering(limits, usage, (hit) => refusal(app.metrics, 'characters', hit)))
  app.decorate('bootstrapKey', created?.key ?? null)

  app.addHook('onClose', async () => {
    const left = await usage.close(config.drainTimeoutMs || 1000)
    if (left > 0) app.log.error({ left }, 'usage records not written at shutdown')
    app.pubsub.close()
    await redis?.close()
    if (!deps.db) await db.close()
  })
})
