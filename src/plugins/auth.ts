// API-key authentication, scopes and request limits, as one onRequest hook per protected route
// (so a refused request never has its body read).
//
// Order matters for cost: a missing or malformed key is refused with no I/O at all; every issued
// key is held in memory (store/key-directory.ts), so a key is judged without a query; only a hash
// not held there reaches the database, in batches. A wrong key counts against its address's
// failed authentications (401, then 429), never against the address's requests: a good key from
// the same address (one office, one NAT) keeps working. Limits are then counted per address and
// per key, for authenticated requests.
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import { ApiError } from '../errors.js'
import { KEY_REVOKED_CHANNEL, hashKey, isWellFormedKey, type ApiKey, type Scope } from '../store/keys.js'
import { KeyDirectory } from '../store/key-directory.js'
import type { Config } from '../config.js'
import { refusal, setRateLimitHeaders } from '../http/refuse.js'
import { startMeter } from '../http/request-meter.js'
import { global } from './global.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook for a route behind an API key; with a scope, keys without it get 403. */
    requireKey(scope?: Scope): onRequestAsyncHookHandler
    keys: KeyDirectory
  }
  interface FastifyRequest {
    apiKey: ApiKey | null
  }
}

const MINUTE = 60_000
// `Token` is Deepgram's scheme, which its SDKs send to /v1/speak.
const BEARER = /^(?:Bearer|Token)[ \t]+(\S+)[ \t]*$/i
// A browser cannot set headers on a WebSocket: it offers the key as a subprotocol, `token, KEY`.
const SUBPROTOCOL = /^[ \t]*token[ \t]*,[ \t]*(\S+?)[ \t]*$/i

/**
 * The key the client sent: x-api-key first, then Authorization (Bearer or Token), then, on a
 * WebSocket upgrade, the subprotocol; null when none.
 */
function presentedKey(request: FastifyRequest): string | null {
  const header = request.headers['x-api-key']
  if (typeof header === 'string') return header.trim()
  const auth = request.headers.authorization
  if (typeof auth === 'string') return BEARER.exec(auth)?.[1] ?? null
  const protocols = request.headers['sec-websocket-protocol']
  if (typeof protocols === 'string') return SUBPROTOCOL.exec(protocols)?.[1] ?? null
  return null
}

function hasScope(key: ApiKey, scope: Scope | undefined): boolean {
  return scope === undefined || key.scopes.includes(scope) || key.scopes.includes('admin')
}

const unauthorized = (message: string) => new ApiError('unauthorized', message, { 'www-authenticate': 'Bearer' })

export default global(async (app, { config }: { config: Config }) => {
  const keys = new KeyDirectory(app.db)
  await keys.start()
  const unsubscribe = app.pubsub.subscribe(KEY_REVOKED_CHANNEL, (id) => keys.revoked(id))
  // Until Redis confirms the subscription a revocation could pass unseen; the periodic reload still bounds it.
  if (!(await app.pubsub.ready(2000))) app.log.warn('revocation channel not subscribed yet; relying on the key reload')
  // Revocations published while Redis was away were not heard: read the keys again.
  const reread = () => void keys.reload().catch(() => {})
  app.redis?.client.on('ready', reread)
  app.addHook('onClose', async () => {
    unsubscribe()
    app.redis?.client.off('ready', reread)
    keys.close()
  })
  app.decorate('keys', keys)
  app.decorateRequest('apiKey', null)
  app.decorateRequest('meter', null)

  /** A wrong key: 401, or 429 once its address has failed too often this minute. */
  async function failed(request: FastifyRequest, message: string): Promise<never> {
    const hit = await app.limiter.hit(`authfail:${request.ip}`, config.authFailuresPerMinute, MINUTE)
    if (!hit.allowed) throw refusal(app.metrics, 'auth_failures', hit)
    throw unauthorized(message)
  }

  async function authenticate(request: FastifyRequest, reply: FastifyReply, scope: Scope | undefined): Promise<void> {
    const plain = presentedKey(request)
    if (plain === null) {
      throw unauthorized('Missing API key: send it in the x-api-key header or as Authorization: Bearer <key>')
    }
    if (!isWellFormedKey(plain)) throw unauthorized('Invalid API key')
    const hash = hashKey(plain)
    const key = keys.get(hash) ?? (await keys.find(hash))
    if (!key) return failed(request, 'Invalid API key')
    if (key.revokedAt) return failed(request, 'This API key has been revoked')
    if (!hasScope(key, scope)) throw new ApiError('forbidden', `This API key lacks the "${scope}" scope`)
    const [ip, perKey] = await Promise.all([
      app.limits.take(`ip:${request.ip}`, 1, config.ipRequestsPerMinute, MINUTE),
      app.limits.take(`key:${key.id}`, 1, key.rateLimitPerMinute, MINUTE),
    ])
    if (!ip.allowed) throw refusal(app.metrics, 'ip', ip)
    if (!perKey.allowed) throw refusal(app.metrics, 'key', perKey)
    setRateLimitHeaders(reply, perKey)
    request.apiKey = key
    // A WebSocket meters what it speaks itself (per flush group); the upgrade is not a request to bill.
    if (!request.ws) startMeter(app, request, reply, key)
  }

  app.decorate('requireKey', (scope?: Scope): onRequestAsyncHookHandler => {
    return (request, reply) => authenticate(request, reply, scope)
  })
})
