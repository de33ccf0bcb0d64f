// API-key authentication, scopes and request limits, as one onRequest hook per protected route
// (so a refused request never has its body read).
//
// Order matters for cost: a missing or malformed key is refused with no I/O at all; a key seen
// recently is served from memory; only an unknown key reaches the database, and only from an
// address that has not failed too often. Limits are then counted per address and per key.
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import { ApiError } from '../errors.js'
import { isUnavailable } from '../store/db.js'
import { KEY_REVOKED_CHANNEL, findKeyByPlain, hashKey, isWellFormedKey, type ApiKey, type Scope } from '../store/keys.js'
import type { Config } from '../config.js'
import { KeyCache } from './key-cache.js'
import { refusal, setRateLimitHeaders } from '../http/refuse.js'
import { startMeter } from '../http/request-meter.js'
import { global } from './global.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook for a route behind an API key; with a scope, keys without it get 403. */
    requireKey(scope?: Scope): onRequestAsyncHookHandler
    keyCache: KeyCache
  }
  interface FastifyRequest {
    apiKey: ApiKey | null
  }
}

const MINUTE = 60_000
const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i

/** The key the client sent: x-api-key first, then Authorization: Bearer; null when neither. */
function presentedKey(request: FastifyRequest): string | null {
  const header = request.headers['x-api-key']
  if (typeof header === 'string') return header.trim()
  const auth = request.headers.authorization
  if (typeof auth === 'string') return BEARER.exec(auth)?.[1] ?? null
  return null
}

function hasScope(key: ApiKey, scope: Scope | undefined): boolean {
  return scope === undefined || key.scopes.includes(scope) || key.scopes.includes('admin')
}

const unauthorized = (message: string) => new ApiError('unauthorized', message, { 'www-authenticate': 'Bearer' })

export default global(async (app, { config }: { config: Config }) => {
  const cache = new KeyCache()
  const unsubscribe = app.pubsub.subscribe(KEY_REVOKED_CHANNEL, (id) => cache.dropId(id))
  // Until Redis confirms the subscription a revocation could pass unseen; the cache TTL still bounds it.
  if (!(await app.pubsub.ready(2000))) app.log.warn('revocation channel not subscribed yet; relying on the key cache TTL')
  app.addHook('onClose', async () => unsubscribe())
  app.decorate('keyCache', cache)
  app.decorateRequest('apiKey', null)
  app.decorateRequest('meter', null)

  /** The key's row from the cache or the database, or a refusal. */
  async function lookup(request: FastifyRequest, plain: string, hash: string): Promise<ApiKey> {
    const failures = `authfail:${request.ip}`
    if ((await app.limiter.peek(failures, MINUTE)) >= config.authFailuresPerMinute) {
      throw refusal(app.metrics, 'auth_failures', await app.limiter.hit(failures, config.authFailuresPerMinute, MINUTE))
    }
    let key: ApiKey | null
    try {
      key = await findKeyByPlain(app.db, plain)
    } catch (err) {
      // A key verified a while ago keeps working through a database outage; a new one cannot be checked.
      const known = isUnavailable(err) ? cache.stale(hash) : undefined
      if (known) return known
      throw err
    }
    if (!key || key.revokedAt) {
      cache.delete(hash)
      await app.limiter.hit(failures, config.authFailuresPerMinute, MINUTE)
      throw unauthorized(key ? 'This API key has been revoked' : 'Invalid API key')
    }
    cache.set(hash, key)
    return key
  }

  async function authenticate(request: FastifyRequest, reply: FastifyReply, scope: Scope | undefined): Promise<void> {
    const plain = presentedKey(request)
    if (plain === null) {
      throw unauthorized('Missing API key: send it in the x-api-key header or as Authorization: Bearer <key>')
    }
    if (!isWellFormedKey(plain)) throw unauthorized('Invalid API key')
    const perIp = app.limits.take(`ip:${request.ip}`, 1, config.ipRequestsPerMinute, MINUTE)
    const hash = hashKey(plain)
    let key = cache.fresh(hash)
    if (!key) {
      const ip = await perIp
      if (!ip.allowed) throw refusal(app.metrics, 'ip', ip)
      key = await lookup(request, plain, hash)
    }
    if (!hasScope(key, scope)) throw new ApiError('forbidden', `This API key lacks the "${scope}" scope`)
    const [ip, perKey] = await Promise.all([perIp, app.limits.take(`key:${key.id}`, 1, key.rateLimitPerMinute, MINUTE)])
    if (!ip.allowed) throw refusal(app.metrics, 'ip', ip)
    if (!perKey.allowed) throw refusal(app.metrics, 'key', perKey)
    setRateLimitHeaders(reply, perKey)
    request.apiKey = key
    startMeter(app, request, reply, key)
  }

  app.decorate('requireKey', (scope?: Scope): onRequestAsyncHookHandler => {
    return (request, reply) => authenticate(request, reply, scope)
  })
})
