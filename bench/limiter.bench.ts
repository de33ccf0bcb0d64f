// Issue 18's question about the limiter: does ours (store/limits.ts + store/leases.ts) earn its
// place beside rate-limiter-flexible, the maintained limiter that already counts amounts, keeps
// its counts in Redis with an in-memory fallback, and checks-and-consumes atomically? The same
// workloads on the same Redis (one of the bench's own when redis-server is installed, else
// REDIS_URL), in the same run:
//   1. one request per take against a per-minute limit (what auth.ts does per request, twice)
//   2. 20 characters per take against a monthly quota (what a POST /v1/tts charges)
// each as takes per second with 64 in flight, and Redis commands per take (INFO's
// total_commands_processed). Also: how many of 300 concurrent takes each lets past a limit of 150.
// What rate-limiter-flexible lacks is not measured here but tested: a count Redis lost is rebuilt
// from the usage rows (test/faults/quota.test.ts); its insurance limiter starts from zero.
import { randomBytes } from 'node:crypto'
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible'
import { Limiter } from '../src/store/limits.js'
import { LeasedLimiter } from '../src/store/leases.js'
import { openRedis, type RedisConn } from '../src/store/redis.js'
import { utcMonth } from '../src/store/calendar.js'
import { figure } from './stats.js'
import { hasRedisServer, startRedis, deleteKeysUnder } from '../test/helpers/fault-redis.js'

const TAKES = Number(process.env.LIMITER_BENCH_TAKES ?? 20_000)
const IN_FLIGHT = 64
const own = hasRedisServer() ? await startRedis() : null
const url = own?.url ?? process.env.REDIS_URL
if (!url) {
  console.log('limiter: skipped, needs redis-server or REDIS_URL')
  process.exit(0)
}
const prefix = `cwbench:${randomBytes(4).toString('hex')}:`
const conn: RedisConn = openRedis(url, prefix)!
if (!(await conn.ready(5000))) throw new Error(`Redis at ${url} did not answer`)

const commands = async () => Number(/total_commands_processed:(\d+)/.exec(await conn.client.info('stats'))![1])

/** Takes per second and Redis commands per take, for `take` run TAKES times with IN_FLIGHT at once. */
async function measure(take: (i: number) => Promise<unknown>): Promise<{ rate: number; perTake: number }> {
  for (let i = 0; i < 500; i++) await take(i) // warm: scripts loaded, first blocks leased
  const before = await commands()
  const started = performance.now()
  let next = 0
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < TAKES) await take(next++)
  }))
  const seconds = (performance.now() - started) / 1000
  // Minus the INFO call itself, and on a shared REDIS_URL whatever else ran meanwhile.
  return { rate: TAKES / seconds, perTake: (await commands() - before - 1) / TAKES }
}

const ours = () => new LeasedLimiter(new Limiter(conn))
const theirs = (points: number, duration: number, name: string) => new RateLimiterRedis({
  storeClient: conn.client,
  keyPrefix: `${prefix}rlf:${name}`,
  points,
  duration,
  insuranceLimiter: new RateLimiterMemory({ points, duration }),
})
const consume = (l: RateLimiterRedis, key: string, points: number) => l.consume(key, points).then(() => true, (r: RateLimiterRes | Error) => {
  if (r instanceof Error) throw r
  return false
})
const monthSeconds = Math.ceil((utcMonth(Date.now()).end - Date.now()) / 1000)

const rows: Array<[string, { rate: number; perTake: number }, { rate: number; perTake: number }]> = []
{
  const a = ours()
  const b = theirs(1e9, 60, 'minute')
  rows.push(['per-minute requests', await measure(() => a.take('key:m', 1, 1e9, 60_000)), await measure(() => consume(b, 'm', 1))])
}
{
  const a = ours()
  const b = theirs(1e12, monthSeconds, 'month')
  rows.push(['monthly characters (20 a take)', await measure(() => a.take('chars:c', 20, 1e12, 'month')), await measure(() => consume(b, 'c', 20))])
}
{
  // Our limiter without leased blocks: one script call per take, as rate-limiter-flexible makes.
  const plain = new Limiter(conn)
  const b = theirs(1e9, 60, 'plain')
  rows.push(['per-minute, ours without blocks', await measure(() => plain.hitAmount('key:p', 1, 1e9, 60_000)), await measure(() => consume(b, 'p', 1))])
}
for (const [what, o, t] of rows) {
  if (what.includes('without blocks')) {
    // Not a goal: what the blocks are worth, the one thing ours adds on the hot path.
    console.log(`limiter ${what}: ${o.rate.toFixed(0)} takes/s, ${o.perTake.toFixed(3)} commands (rate-limiter-flexible ${t.rate.toFixed(0)} takes/s; ratio ${(o.rate / t.rate).toFixed(2)})`)
    continue
  }
  figure(`limiter ${what}`, `${o.rate.toFixed(0)} takes/s, ${o.perTake.toFixed(3)} Redis commands a take`,
    `rate-limiter-flexible ${t.rate.toFixed(0)} takes/s, ${t.perTake.toFixed(3)} commands; ratio ${(o.rate / t.rate).toFixed(2)}`, '>= 1 (else use it)', o.rate >= t.rate)
}

// At the edge: 300 takes at once against a limit of 150.
const leased = ours()
const flexible = theirs(150, 60, 'edge')
const edgeOurs = (await Promise.all(Array.from({ length: 300 }, () => leased.take('key:edge', 1, 150, 60_000)))).filter((h) => h.allowed).length
const edgeTheirs = (await Promise.all(Array.from({ length: 300 }, () => consume(flexible, 'edge', 1)))).filter(Boolean).length
console.log(`limit 150, 300 takes at once: ours let ${edgeOurs} through, rate-limiter-flexible ${edgeTheirs}`)

await deleteKeysUnder(conn.client, prefix)
await conn.close()
await own?.stop()
