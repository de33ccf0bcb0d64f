// The service set up for calls, as it runs behind nginx: Twilio signs requests for the public
// URL (https://calls.example.test), while the tests reach the app on its loopback port. Several
// instances can share one database and one Redis, as they would behind one nginx.
import { randomBytes } from 'node:crypto'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createServer, type AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import twilio from 'twilio'
import { buildApp } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import type { Db } from '../../src/store/db.js'
import { createKey, type Scope } from '../../src/store/keys.js'
import { createTestDatabase, type TestDatabase } from './db.js'
import { startTwilioApi, type TwilioApi } from './twilio-api.js'
import { TwilioStream, parseStreamTwiml, sid, type StreamOptions } from './twilio-stream.js'

export const PUBLIC_BASE = 'https://calls.example.test'
export const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`
export const AUTH_TOKEN = 'test-auth-token-0123456789abcdef'
export const OUR_NUMBER = '+15005550006'

export interface CallApp {
  app: FastifyInstance
  /** http://127.0.0.1:PORT */
  url: string
  config: Config
  logs: string[]
}

export interface CallRig {
  apps: CallApp[]
  db: Db
  twilioApi: TwilioApi
  /** A key for this rig's database; scopes `calls` by default. */
  key(scopes?: Scope[]): Promise<string>
  close(): Promise<void>
}

export interface RigOptions {
  instances?: number
  /** Shared by the instances; without one each uses in-process pub/sub (then use one instance). */
  redisUrl?: string
  env?: Record<string, string>
  overrides?: Partial<Config>
}

export async function startCallRig(o: RigOptions = {}): Promise<CallRig> {
  const testDb: TestDatabase = await createTestDatabase()
  const db = await testDb.openMigrated()
  const twilioApi = await startTwilioApi(ACCOUNT_SID, AUTH_TOKEN)
  const prefix = `cwtest:${randomBytes(6).toString('hex')}:`
  const apps: CallApp[] = []
  try {
    for (let i = 0; i < (o.instances ?? 1); i++) {
      const config: Config = {
        ...loadConfig({
          LOG_LEVEL: 'info',
          SYNTHESIS_WORKERS: '2',
          DATA_DIR: 'memory://',
          PUBLIC_BASE_URL: PUBLIC_BASE,
          TWILIO_ACCOUNT_SID: ACCOUNT_SID,
          TWILIO_AUTH_TOKEN: AUTH_TOKEN,
          TWILIO_API_BASE_URL: twilioApi.url,
          TWILIO_PHONE_NUMBER: OUR_NUMBER,
          ALLOWED_DIAL_PREFIXES: '+1,+44',
          ...o.env,
        }),
        databaseUrl: testDb.url,
        redisUrl: o.redisUrl,
        redisKeyPrefix: prefix,
        ...o.overrides,
      }
      const logs: string[] = []
      const handle = testDb.kind === 'pglite' ? db : await testDb.open()
      const app = await buildApp(config, { db: handle, logStream: { write: (line: string) => void logs.push(line) } })
      await app.listen({ port: 0, host: '127.0.0.1' })
      apps.push({ app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, config, logs })
    }
  } catch (err) {
    await Promise.allSettled(apps.map((a) => a.app.close()))
    await twilioApi.close()
    await testDb.drop()
    throw err
  }
  return {
    apps,
    db,
    twilioApi,
    key: async (scopes = ['calls']) => (await createKey(db, { name: 'call test key', scopes, rateLimitPerMinute: 100_000, monthlyCharLimit: 10_000_000 })).key,
    close: async () => {
      await Promise.allSettled(apps.map((a) => a.app.close()))
      await twilioApi.close()
      await testDb.drop()
    },
  }
}

/** A webhook POST as Twilio sends it: form-encoded, signed over the public URL. */
export function postWebhook(app: CallApp, path: string, params: Record<string, string>, signature?: string | null): Promise<Response> {
  const sig = signature === undefined ? twilio.getExpectedTwilioSignature(AUTH_TOKEN, PUBLIC_BASE + path, params) : signature
  return fetch(app.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(sig === null ? {} : { 'x-twilio-signature': sig }) },
    body: new URLSearchParams(params).toString(),
  })
}

/** ws://127.0.0.1:PORT/path for the public wss:// URL in a TwiML: what nginx does. */
export function upstream(app: CallApp, publicUrl: string): string {
  return app.url.replace(/^http/, 'ws') + new URL(publicUrl).pathname
}

export interface InboundCall {
  callSid: string
  twiml: string
  stream: TwilioStream
}

/** A call comes in: the voice webhook, then the stream its TwiML asks for, started. */
export async function callIn(app: CallApp, o: { to?: string; from?: string; speed?: number; streamApp?: CallApp; start?: boolean } = {}): Promise<InboundCall> {
  const callSid = sid('CA')
  const res = await postWebhook(app, '/twilio/voice', {
    CallSid: callSid, AccountSid: ACCOUNT_SID, From: o.from ?? '+15550001111', To: o.to ?? OUR_NUMBER,
    CallStatus: 'ringing', Direction: 'inbound', ApiVersion: '2010-04-01',
  })
  if (res.status !== 200) throw new Error(`voice webhook answered ${res.status}: ${await res.text()}`)
  const twiml = await res.text()
  const stream = await openStream(o.streamApp ?? app, twiml, { callSid, speed: o.speed, start: o.start })
  return { callSid, twiml, stream }
}

/** Opens (and by default starts) the stream a TwiML document asks for. */
export async function openStream(app: CallApp, twiml: string, o: Partial<StreamOptions> & { start?: boolean } = {}): Promise<TwilioStream> {
  const { url, parameters } = parseStreamTwiml(twiml)
  const stream = await TwilioStream.open({ url: upstream(app, url), signedUrl: url, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID, ...o })
  if (o.start !== false) stream.begin(parameters)
  return stream
}

/** JSON request with an API key. */
export function api(app: CallApp, method: string, path: string, key: string, body?: unknown): Promise<Response> {
  return fetch(app.url + path, {
    method,
    headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
}

/** REDIS_URL when set; else a redis-server of our own on a free port; null when neither exists. */
export async function testRedis(): Promise<{ url: string; stop(): void } | null> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: () => {} }
  if (spawnSync('redis-server', ['--version']).status !== 0) return null
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port
      s.close(() => resolve(p))
    })
  })
  const server: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  const url = `redis://127.0.0.1:${port}`
  // Ready once it answers PING.
  const { Redis } = await import('ioredis')
  for (let i = 0; i < 100; i++) {
    const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    c.on('error', () => {})
    const ok = await c.connect().then(() => c.ping()).then(() => true, () => false)
    c.disconnect()
    if (ok) break
    await new Promise((r) => setTimeout(r, 50))
  }
  return { url, stop: () => void server.kill() }
}
