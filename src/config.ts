// The one reader of process.env. Every setting is typed and validated here, so a bad value stops
// the process at start-up with a message that names the variable, not later with a stack trace.
import { isIP } from 'node:net'
import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import { ConfigError, int, phoneNumber, url, type Env } from './config-values.js'
import type { AdmissionLimits } from './speech/admission.js'

export { ConfigError, type Env }

export interface Config {
  environment: string
  host: string
  port: number
  /** Which proxies' X-Forwarded-For to believe, so per-IP limits see the client, not nginx. */
  trustProxy: boolean | number | string[]
  publicBaseUrl?: string
  databaseUrl?: string
  /** Which settings databaseUrl came from, for messages that tell the operator what to change. */
  databaseFrom: 'DATABASE_URL' | 'POSTGRES_*' | 'DATA_DIR'
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
  /** When a new call, socket or REST request is refused for the pool's load (speech/admission.ts). */
  admission: AdmissionLimits
  /** Intra-op threads of each Piper session; 1 by default, since there is already a worker per core. */
  piperThreads: number
  cacheBytes: number
  ipRequestsPerMinute: number
  authFailuresPerMinute: number
  /** Characters a key may use per instance while neither Redis nor the database can say what is left. */
  quotaOutageAllowance: number
  drainTimeoutMs: number
  connections: ConnectionsConfig
  twilio: {
    accountSid?: string
    authToken?: string
    apiBaseUrl?: string
    /** The caller id for outbound calls when a request names none. */
    phoneNumber?: string
  }
  calls: CallsConfig
  speak: SpeakConfig
  assistant: AssistantConfig
}

/** The built-in assistant's models: a provider is offered to numbers once its key is set. */
export interface AssistantConfig {
  openai?: { apiKey: string; baseUrl?: string }
  anthropic?: { apiKey: string; baseUrl?: string }
  /** A model that sends nothing for this long (before its first token or between two) has failed. */
  timeoutMs: number
  /** The longest reply the model may write, in tokens. */
  maxTokens: number
}

/** The /v1/speak WebSocket's limits. */
export interface SpeakConfig {
  /** Characters in one Speak message (Deepgram's own limit is 2,000). */
  messageChars: number
  /** Characters one connection may send in a minute. */
  charsPerMinute: number
  /** Sockets one key may hold open at once, on each instance. */
  socketsPerKey: number
  /** A socket with nothing to say and no message for this long is closed. */
  idleMs: number
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
  /** A call with nothing to say and a silent caller ends after this long, saying `idleGoodbye`; 0: never. */
  idleTimeoutMs: number
  idleGoodbye: string
  /** Signs the socket opened to a call's agent (X-CallWaiting-Signature); unsigned without it. */
  agentSigningSecret?: string
  /** Said when an agent cannot be reached or drops, before the call ends. */
  agentApology: string
  /** A speech-to-text service speaking Deepgram's streaming `listen` protocol: agents get `prompt`s. */
  stt?: { url: string; apiKey?: string }
}

/** What a client gets without a proxy in front: how long it may take to send, and how many sockets it may hold. */
export interface ConnectionsConfig {
  /** Time to send the request line and headers; then 408. */
  headersTimeoutMs: number
  /** Time to send the whole request, body included; then 408. */
  requestTimeoutMs: number
  /** Open connections one address may hold; 0: no cap (the default behind a proxy, where every client shares its address). */
  maxPerAddress: number
}

function connectionsConfig(env: Env): ConnectionsConfig {
  const headersTimeoutMs = int(env, 'HEADERS_TIMEOUT', 10, 1, 3600) * 1000
  return {
    headersTimeoutMs,
    // Node requires the whole-request timeout to be at least the headers one.
    requestTimeoutMs: Math.max(headersTimeoutMs, int(env, 'REQUEST_TIMEOUT', 30, 1, 3600) * 1000),
    maxPerAddress: int(env, 'MAX_CONNECTIONS_PER_IP', 0, 0, 1_000_000),
  }
}

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
    idleTimeoutMs: int(env, 'CALL_IDLE_TIMEOUT', 120, 0, 86_400) * 1000,
    idleGoodbye: env.CALL_IDLE_GOODBYE || 'Goodbye.',
    agentSigningSecret: env.AGENT_SIGNING_SECRET || undefined,
    agentApology: env.AGENT_APOLOGY || 'Sorry, we are having trouble on our side. Please call again later.',
    stt: env.STT_URL ? { url: url(env, 'STT_URL', ['wss:', 'ws:'])!, apiKey: env.STT_API_KEY || undefined } : undefined,
  }
}

// .env.example's old placeholders: a server set up with one is open to anyone who read that file.
const PLACEHOLDER = /^change-?me/i

/** The PostgreSQL URL: DATABASE_URL, else one built from the original product's POSTGRES_* names. */
function databaseUrl(env: Env): string | undefined {
  const direct = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:'])
  if (direct || !env.POSTGRES_HOST) return direct
  if (PLACEHOLDER.test(env.POSTGRES_PASSWORD ?? '')) {
    throw new ConfigError('POSTGRES_PASSWORD is a placeholder: set a long random one (openssl rand -hex 24) before the database is first created')
  }
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

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal'])

/** An address, a CIDR (address/bits) or one of proxy-addr's names. */
function proxyEntry(entry: string): boolean {
  if (PROXY_NAMES.has(entry)) return true
  const [addr, bits, ...more] = entry.split('/')
  const family = isIP(addr)
  if (!family || more.length) return false
  return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128))
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
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean)
  const bad = list.find((e) => !proxyEntry(e))
  if (bad !== undefined) {
    throw new ConfigError(`TRUST_PROXY must be true, false, a hop count, or a comma-separated list of addresses, CIDRs and the names loopback, linklocal, uniquelocal; "${bad}" is none of these`)
  }
  return list
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']

function logLevel(env: Env): string {
  const level = env.LOG_LEVEL ?? 'info'
  if (!LOG_LEVELS.includes(level)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${level}"`)
  return level
}

const LOOPBACK_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/

/**
 * Twilio opens the media stream at wss://<PUBLIC_BASE_URL's host>: with http:// the TwiML says ws://,
 * which Twilio refuses, and every call would be silent. Only a loopback address (a local test
 * against a stand-in for Twilio) may be http://.
 */
function publicBaseUrl(env: Env, twilio: boolean): string | undefined {
  const raw = url(env, 'PUBLIC_BASE_URL', ['https:', 'http:'])?.replace(/\/+$/, '')
  if (raw && twilio && raw.startsWith('http:') && !LOOPBACK_HOST.test(new URL(raw).hostname)) {
    throw new ConfigError(`PUBLIC_BASE_URL must be https:// when Twilio is configured (its media stream needs wss://), got "${raw}": put TLS in front (nginx) and give that address`)
  }
  return raw
}

export function loadConfig(given: Env = process.env): Config {
  // NAME= is the same as no NAME at all, for every setting: docker compose passes an unset
  // variable as an empty one.
  const env: Env = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== ''))
  const device = env.TTS_DEVICE ?? 'cpu'
  if (device !== 'cpu' && device !== 'cuda') throw new ConfigError(`TTS_DEVICE must be cpu or cuda, got "${device}"`)
  const dbUrl = databaseUrl(env)
  return {
    environment: env.ENVIRONMENT ?? 'development',
    host: env.HOST ?? '0.0.0.0',
    port: int(env, 'CHATTERBOX_PORT', int(env, 'PORT', 8004, 0, 65535), 0, 65535),
    trustProxy: trustProxy(env),
    publicBaseUrl: publicBaseUrl(env, Boolean(env.TWILIO_AUTH_TOKEN)),
    databaseUrl: dbUrl,
    databaseFrom: !dbUrl ? 'DATA_DIR' : env.DATABASE_URL ? 'DATABASE_URL' : 'POSTGRES_*',
    redisUrl: redisUrl(env),
    redisKeyPrefix: env.REDIS_KEY_PREFIX ?? '',
    dataDir: resolve(env.DATA_DIR ?? './data'),
    modelsDir: resolve(env.MODELS_DIR ?? './models'),
    ttsDevice: device,
    corsOrigins: (env.CORS_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    logLevel: logLevel(env),
    maxTextChars: int(env, 'MAX_TEXT_CHARS', 5000, 1, 1_000_000),
    defaultVoice: defaultVoice(env),
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 64 * 1024, 1024, 64 * 1024 * 1024),
    synthesisWorkers: int(env, 'SYNTHESIS_WORKERS', availableParallelism(), 1, 256),
    admission: {
      maxLoad: int(env, 'ADMISSION_MAX_LOAD', 85, 1, 100) / 100,
      maxLive: int(env, 'ADMISSION_MAX_LIVE', 0, 0, 1_000_000),
      restMaxWaitS: int(env, 'REST_MAX_WAIT', 30, 1, 3600),
    },
    piperThreads: int(env, 'PIPER_THREADS', 1, 1, 256),
    cacheBytes: int(env, 'CACHE_BYTES', 64 * 1024 * 1024, 0),
    ipRequestsPerMinute: int(env, 'IP_REQUESTS_PER_MINUTE', 600, 1),
    authFailuresPerMinute: int(env, 'AUTH_FAILURES_PER_MINUTE', 20, 1),
    quotaOutageAllowance: int(env, 'QUOTA_OUTAGE_CHARACTERS', 1000, 0),
    drainTimeoutMs: int(env, 'DRAIN_TIMEOUT', 10, 0, 3600) * 1000,
    connections: connectionsConfig(env),
    twilio: {
      accountSid: env.TWILIO_ACCOUNT_SID || undefined,
      authToken: env.TWILIO_AUTH_TOKEN || undefined,
      apiBaseUrl: url(env, 'TWILIO_API_BASE_URL', ['https:', 'http:']),
      phoneNumber: phoneNumber(env, 'TWILIO_PHONE_NUMBER'),
    },
    calls: callsConfig(env),
    speak: {
      messageChars: int(env, 'SPEAK_MESSAGE_CHARS', 2000, 1, 100_000),
      charsPerMinute: int(env, 'SPEAK_CHARS_PER_MINUTE', 20_000, 1, 10_000_000),
      socketsPerKey: int(env, 'SPEAK_SOCKETS_PER_KEY', 50, 1, 100_000),
      idleMs: int(env, 'SPEAK_IDLE_TIMEOUT', 60, 1, 86_400) * 1000,
    },
    assistant: {
      openai: env.OPENAI_API_KEY ? { apiKey: env.OPENAI_API_KEY, baseUrl: url(env, 'OPENAI_BASE_URL', ['https:', 'http:']) } : undefined,
      anthropic: env.ANTHROPIC_API_KEY ? { apiKey: env.ANTHROPIC_API_KEY, baseUrl: url(env, 'ANTHROPIC_BASE_URL', ['https:', 'http:']) } : undefined,
      timeoutMs: int(env, 'ASSISTANT_TIMEOUT', 10, 1, 600) * 1000,
      maxTokens: int(env, 'ASSISTANT_MAX_TOKENS', 400, 16, 100_000),
    },
  }
}

/** For the command-line tools' own settings (cli/voices-config.ts): read the same way, with the same errors. */
export { int as intSetting, url as urlSetting }
