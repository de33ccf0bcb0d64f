// The one reader of process.env. Every setting is typed and validated here, so a bad value stops
// the process at start-up with a message that names the variable, not later with a stack trace.
import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'

export class ConfigError extends Error {}

export interface Config {
  environment: string
  host: string
  port: number
  /** Which proxies' X-Forwarded-For to believe, so per-IP limits see the client, not nginx. */
  trustProxy: boolean | number | string[]
  publicBaseUrl?: string
  databaseUrl?: string
  redisUrl?: string
  redisKeyPrefix: string
  dataDir: string
  modelsDir: string
  ttsDevice: 'cpu' | 'cuda'
  corsOrigins: string[]
  logLevel: string
  maxTextChars: number
  /** The voice POST /v1/tts speaks with when a request names none. */
  defaultVoice: string
  bodyLimitBytes: number
  synthesisWorkers: number
  /** Intra-op threads of each Piper session; 1 by default, since there is already a worker per core. */
  piperThreads: number
  cacheBytes: number
  ipRequestsPerMinute: number
  authFailuresPerMinute: number
  drainTimeoutMs: number
  twilio: {
    accountSid?: string
    authToken?: string
    apiBaseUrl?: string
    /** The caller id for outbound calls when a request names none. */
    phoneNumber?: string
  }
  calls: CallsConfig
}

export interface CallsConfig {
  /** E.164 prefixes outbound calls may dial (toll-fraud guard); none means no outbound calls. */
  allowedDialPrefixes: string[]
  /** Outbound calls one API key may have live at once. */
  maxPerKey: number
  /** The DTMF key that interrupts speech, unless a number sets its own; null: none. */
  bargeInDigit: string | null
  /** How long the per-call token in the TwiML stays valid: covers ringing before an answer. */
  streamTokenTtlS: number
  /** Voice and greeting for a dialled number with no row in phone_numbers. */
  defaultVoice: string
  greeting: string
  /** Audio sent ahead of what the caller has heard: the latency of a barge-in and the memory per call. */
  sendAheadMs: number
}

const E164 = /^\+[1-9]\d{1,14}$/

function callsConfig(env: Env): CallsConfig {
  const prefixes = (env.ALLOWED_DIAL_PREFIXES ?? '').split(',').map((s) => s.trim()).filter(Boolean)
  for (const p of prefixes) {
    if (!/^\+[1-9]\d{0,14}$/.test(p)) throw new ConfigError(`ALLOWED_DIAL_PREFIXES must list prefixes like +1,+4420, got "${p}"`)
  }
  const digit = (env.BARGE_IN_DIGIT ?? '*').trim()
  if (digit !== 'none' && !/^[0-9*#]$/.test(digit)) throw new ConfigError(`BARGE_IN_DIGIT must be one of 0-9, *, # or none, got "${digit}"`)
  return {
    allowedDialPrefixes: prefixes,
    maxPerKey: int(env, 'MAX_CALLS_PER_KEY', 10, 1, 100_000),
    bargeInDigit: digit === 'none' ? null : digit,
    streamTokenTtlS: int(env, 'STREAM_TOKEN_TTL', 120, 5, 3600),
    defaultVoice: env.CALL_VOICE || 'kal16',
    greeting: env.CALL_GREETING || 'Hello, and thank you for calling.',
    sendAheadMs: int(env, 'CALL_SEND_AHEAD_MS', 1000, 200, 10_000),
  }
}

function phoneNumber(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim()
  if (!raw) return undefined
  if (!E164.test(raw)) throw new ConfigError(`${name} must be an E.164 number like +15551234567, got "${raw}"`)
  return raw
}

type Env = Record<string, string | undefined>

function int(env: Env, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`)
  }
  return value
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name]
  if (!raw) return undefined
  let parsed: URL
  try {
    parsed = new URL(raw)
  } catch {
    throw new ConfigError(`${name} is not a valid URL: "${raw}"`)
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must start with ${protocols.join(' or ')}, got "${parsed.protocol}"`)
  }
  return raw
}

/** The PostgreSQL URL: DATABASE_URL, else one built from the original product's POSTGRES_* names. */
function databaseUrl(env: Env): string | undefined {
  const direct = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:'])
  if (direct || !env.POSTGRES_HOST) return direct
  const user = encodeURIComponent(env.POSTGRES_USER ?? 'postgres')
  const password = env.POSTGRES_PASSWORD ? `:${encodeURIComponent(env.POSTGRES_PASSWORD)}` : ''
  const port = int(env, 'POSTGRES_PORT', 5432, 1, 65535)
  return `postgres://${user}${password}@${env.POSTGRES_HOST}:${port}/${env.POSTGRES_DB ?? 'callwaiting'}`
}

function redisUrl(env: Env): string | undefined {
  const direct = url(env, 'REDIS_URL', ['redis:', 'rediss:'])
  if (direct || !env.REDIS_HOST) return direct
  return `redis://${env.REDIS_HOST}:${int(env, 'REDIS_PORT', 6379, 1, 65535)}`
}

/** DEFAULT_VOICE: a voice slug or uuid, in the form a request's voice_id takes. Whether such a voice
 *  exists is known only once the engines have loaded: a request then gets the usual 404. */
function defaultVoice(env: Env): string {
  const raw = (env.DEFAULT_VOICE ?? '').trim() || 'slt'
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(raw)) throw new ConfigError(`DEFAULT_VOICE must be a voice id such as slt or piper-en-us-lessac-medium, got "${raw}"`)
  return raw
}

/** TRUST_PROXY: true/false, a hop count, or a comma-separated list of addresses/CIDRs. */
function trustProxy(env: Env): boolean | number | string[] {
  const raw = (env.TRUST_PROXY ?? '').trim()
  if (raw === '' || raw === 'false') return false
  if (raw === 'true') return true
  if (/^\d+$/.test(raw)) return int(env, 'TRUST_PROXY', 0, 0, 32)
  return raw.split(',').map((s) => s.trim()).filter(Boolean)
}

export function loadConfig(env: Env = process.env): Config {
  const device = env.TTS_DEVICE ?? 'cpu'
  if (device !== 'cpu' && device !== 'cuda') throw new ConfigError(`TTS_DEVICE must be cpu or cuda, got "${device}"`)
  const publicBaseUrl = url(env, 'PUBLIC_BASE_URL', ['https:', 'http:'])?.replace(/\/+$/, '')
  return {
    environment: env.ENVIRONMENT ?? 'development',
    host: env.HOST ?? '0.0.0.0',
    port: int(env, 'CHATTERBOX_PORT', int(env, 'PORT', 8004, 0, 65535), 0, 65535),
    trustProxy: trustProxy(env),
    publicBaseUrl,
    databaseUrl: databaseUrl(env),
    redisUrl: redisUrl(env),
    redisKeyPrefix: env.REDIS_KEY_PREFIX ?? '',
    dataDir: resolve(env.DATA_DIR ?? './data'),
    modelsDir: resolve(env.MODELS_DIR ?? './models'),
    ttsDevice: device,
    corsOrigins: (env.CORS_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    logLevel: env.LOG_LEVEL ?? 'info',
    maxTextChars: int(env, 'MAX_TEXT_CHARS', 5000, 1, 1_000_000),
    defaultVoice: defaultVoice(env),
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 64 * 1024, 1024, 64 * 1024 * 1024),
    synthesisWorkers: int(env, 'SYNTHESIS_WORKERS', availableParallelism(), 1, 256),
    piperThreads: int(env, 'PIPER_THREADS', 1, 1, 256),
    cacheBytes: int(env, 'CACHE_BYTES', 64 * 1024 * 1024, 0),
    ipRequestsPerMinute: int(env, 'IP_REQUESTS_PER_MINUTE', 600, 1),
    authFailuresPerMinute: int(env, 'AUTH_FAILURES_PER_MINUTE', 20, 1),
    drainTimeoutMs: int(env, 'DRAIN_TIMEOUT', 10, 0, 3600) * 1000,
    twilio: {
      accountSid: env.TWILIO_ACCOUNT_SID || undefined,
      authToken: env.TWILIO_AUTH_TOKEN || undefined,
      apiBaseUrl: url(env, 'TWILIO_API_BASE_URL', ['https:', 'http:']),
      phoneNumber: phoneNumber(env, 'TWILIO_PHONE_NUMBER'),
    },
    calls: callsConfig(env),
  }
}

// ---- npm run voices ------------------------------------------------------------------------------

/** The piper-voices repository at a fixed release: voices.json and the voices' folders under it. */
export const PIPER_VOICES_DEFAULT_URL = 'https://huggingface.co/rhasspy/piper-voices/resolve/v1.0.0/'

export interface VoicesCliConfig {
  modelsDir: string
  /** Where voices.json and the voice folders are; a mirror works. Always ends with '/'. */
  catalogUrl: string
  /** The running service, told to reload after a change when adminKey is set. */
  serviceUrl: string
  adminKey?: string
}

export function loadVoicesCliConfig(env: Env = process.env): VoicesCliConfig {
  const catalog = url(env, 'PIPER_VOICES_URL', ['https:', 'http:']) ?? PIPER_VOICES_DEFAULT_URL
  const port = int(env, 'CHATTERBOX_PORT', int(env, 'PORT', 8004, 0, 65535), 0, 65535)
  return {
    modelsDir: resolve(env.MODELS_DIR ?? './models'),
    catalogUrl: catalog.endsWith('/') ? catalog : `${catalog}/`,
    serviceUrl: (url(env, 'CALLWAITING_URL', ['https:', 'http:']) ?? `http://127.0.0.1:${port}`).replace(/\/+$/, ''),
    adminKey: env.CALLWAITING_ADMIN_KEY || undefined,
  }
}
