// The one way a limit says no: a 429 in the error shape with Retry-After and X-RateLimit-*,
// counted in api_key_rate_limit_exceeded_total.
import type { FastifyReply } from 'fastify'
import { ApiError } from '../errors.js'
import type { HitResult } from '../store/limits.js'
import type { LimitKind, Metrics } from '../plugins/metrics.js'

const MESSAGES: Record<LimitKind, string> = {
  ip: 'Too many requests from this address; slow down',
  key: 'Too many requests for this API key; slow down',
  auth_failures: 'Too many failed authentications from this address; try again later',
  characters: "This API key's monthly character quota is used up",
}

export function rateLimitHeaders(hit: HitResult): Record<string, number> {
  return {
    'x-ratelimit-limit': hit.limit,
    'x-ratelimit-remaining': hit.remaining,
    'x-ratelimit-reset': Math.max(1, Math.ceil(hit.resetMs / 1000)),
  }
}

export function refusal(metrics: Metrics, kind: LimitKind, hit: HitResult): ApiError {
  metrics.rateLimited.inc({ limit: kind })
  const headers = { ...rateLimitHeaders(hit), 'x-ratelimit-remaining': 0, 'retry-after': Math.max(1, Math.ceil(hit.resetMs / 1000)) }
  return new ApiError(kind === 'characters' ? 'quota_exceeded' : 'rate_limited', MESSAGES[kind], headers)
}

/** On an allowed request, the per-key limit is what the client is told about. */
export function setRateLimitHeaders(reply: FastifyReply, hit: HitResult): void {
  reply.headers(rateLimitHeaders(hit))
}
