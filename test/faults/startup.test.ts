// The real process (`node --import tsx src/main.ts`) when it cannot start for a reason its operator
// can fix: a bad setting, the port taken, the database unreachable or silent, the data directory
// unusable or held by a running service. Each is one line on stderr naming the setting, what is
// wrong and what to do (no stack trace) and exit code 1, and what was started before the failure
// is let go: a second try on the same data directory is not refused. And what a start that works
// tells its operator: whether Twilio is configured and which URLs to give it.
import { createHmac } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../helpers/fault-net.js'
import { spawnService, type Service } from '../helpers/fault-service.js'
import { createTestDatabase } from '../helpers/db.js'

let dataDir: string
beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'cw-startup-'))
})
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

/** The start-up failure's stderr, from spawnService's error (which quotes it after "stderr:"). */
async function failedStart(env: Record<string, string>): Promise<string> {
  const err = await spawnService({ env }).then(
    (svc) => svc.kill().then(() => expect.fail('the service started')),
    (e: Error) => e,
  )
  expect(err.message).toMatch(/exited during start-up \(code 1,/)
  const stderr = err.message.slice(err.message.indexOf('stderr:\n') + 'stderr:\n'.length)
  expect(stderr).not.toMatch(/^\s+at /m) // no stack trace
  return stderr.trim()
}

describe('a service that cannot start', () => {
  it('says the port is taken, and lets go of its data directory', async () => {
    const taken: Server = createServer()
    const port = await freePort()
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve))
    try {
      expect(await failedStart({ PORT: String(port), DATA_DIR: dataDir })).toBe(
        `cannot start: cannot listen on 127.0.0.1:${port} (another process has the port); CHATTERBOX_PORT (or PORT) and HOST say where`,
      )
      expect(existsSync(join(dataDir, 'pgdata.lock'))).toBe(false)
    } finally {
      taken.close()
    }
  })

  it('says the database cannot be reached, and which setting points at it', async () => {
    const port = await freePort()
    expect(await failedStart({ DATABASE_URL: `postgres://postgres:s3cret@127.0.0.1:${port}/nowhere` })).toBe(
      `cannot start: database unavailable: connect ECONNREFUSED 127.0.0.1:${port}: is PostgreSQL running and reachable at 127.0.0.1:${port}? ` +
        `Check DATABASE_URL (postgres://postgres:***@127.0.0.1:${port}/nowhere), or unset it to use the embedded database in DATA_DIR`,
    )
  })

  it('gives up on a database that accepts the connection and never answers, within its connect timeout', async () => {
    const sockets: Socket[] = []
    const silent = createServer((s) => void sockets.push(s))
    const port = await freePort()
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve))
    try {
      expect(await failedStart({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/x` })).toBe(
        `cannot start: database unavailable: no answer within 5 s: is PostgreSQL running and reachable at 127.0.0.1:${port}? ` +
          `Check DATABASE_URL (postgres://postgres@127.0.0.1:${port}/x), or unset it to use the embedded database in DATA_DIR`,
      )
    } finally {
      for (const s of sockets) s.destroy()
      silent.close()
    }
  })

  it.skipIf(!process.env.DATABASE_URL)('names POSTGRES_DB when the database it builds the URL for does not exist (needs a PostgreSQL server)', async () => {
    const server = new URL(process.env.DATABASE_URL!)
    expect(await failedStart({ POSTGRES_HOST: server.hostname, POSTGRES_PORT: server.port || '5432', POSTGRES_USER: server.username, POSTGRES_PASSWORD: server.password })).toBe(
      'cannot start: database unavailable: database "callwaiting" does not exist: create it, or set POSTGRES_DB to a database that exists (without POSTGRES_DB the name is callwaiting)',
    )
  })

  it('says DATA_DIR cannot hold the embedded database: a file in the way, a place nothing can be made', async () => {
    const file = join(dataDir, 'a-file')
    writeFileSync(file, 'not a directory')
    expect(await failedStart({ DATA_DIR: file })).toBe(
      `cannot start: DATA_DIR (${file}) cannot hold the embedded database: a file is in the way of ${file}/pgdata; point DATA_DIR at a directory this user can write, or set DATABASE_URL`,
    )
    // Node's own recursive mkdir spins for ever here.
    expect(await failedStart({ DATA_DIR: '/proc/nope' })).toMatch(
      /^cannot start: DATA_DIR \(\/proc\/nope\) cannot hold the embedded database: ENOENT: .*; point DATA_DIR at a directory this user can write, or set DATABASE_URL$/,
    )
  })

  it.each([
    [{ TRUST_PROXY: 'yes' }, 'TRUST_PROXY must be true, false, a hop count, or a comma-separated list of addresses, CIDRs and the names loopback, linklocal, uniquelocal; "yes" is none of these'],
    [{ TRUST_PROXY: 'loopback,10.0.0.0/33' }, 'TRUST_PROXY must be true, false, a hop count, or a comma-separated list of addresses, CIDRs and the names loopback, linklocal, uniquelocal; "10.0.0.0/33" is none of these'],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, got "verbose"'],
    [{ POSTGRES_HOST: '127.0.0.1', POSTGRES_PASSWORD: 'change-me' }, 'POSTGRES_PASSWORD is a placeholder: set a long random one (openssl rand -hex 24) before the database is first created'],
    [{ TWILIO_AUTH_TOKEN: 'token', PUBLIC_BASE_URL: 'http://tts.example.com' }, 'PUBLIC_BASE_URL must be https:// when Twilio is configured (its media stream needs wss://), got "http://tts.example.com": put TLS in front (nginx) and give that address'],
  ])('refuses %j in one line that names the setting', async (env, message) => {
    expect(await failedStart(env)).toBe(`configuration error: ${message}`)
  })

  it('says which process holds the data directory', async () => {
    let first: Service | undefined
    try {
      first = await spawnService({ env: { DATA_DIR: dataDir } })
      expect(await failedStart({ DATA_DIR: dataDir })).toMatch(
        new RegExp(`^cannot start: the embedded database in ${dataDir} is in use by process ${first.pid} .*POST /v1/keys`),
      )
    } finally {
      await first?.kill()
    }
  })
})

describe('a service that starts', () => {
  let svc: Service | undefined
  afterAll(() => svc?.kill())

  it('says Twilio is not configured, and refuses POST /v1/calls as expected: a 503 logged without a stack', async () => {
    svc = await spawnService({ env: { DATA_DIR: join(dataDir, 'plain') } })
    const line = await svc.waitForLog((l) => l.twilio !== undefined, 'the Twilio start-up line')
    expect(line).toMatchObject({ level: 30, twilio: 'not configured', missing: ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'PUBLIC_BASE_URL'] })
    expect(line.msg).toMatch(/set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, PUBLIC_BASE_URL to take calls/)
    expect(svc.logs.find((l) => l.msg === 'started')).toMatchObject({ environment: 'development', database: 'pglite' })

    const key = svc.text.map((t) => /^ {2}(cw_live_\S+)$/.exec(t)?.[1]).find(Boolean)!
    expect(svc.text.join('\n')).toContain(`curl -sS -X POST ${'http://localhost:' + svc.port}/v1/keys -H 'x-api-key: ${key}'`)
    const res = await fetch(`${svc.url}/v1/calls`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ to: '+15551230000', text: 'Hello' }),
    })
    expect(res.status).toBe(503)
    const body = (await res.json()) as { error: { code: string; message: string; request_id: string } }
    expect(body.error).toMatchObject({ code: 'unavailable', message: expect.stringContaining('TWILIO_ACCOUNT_SID') })
    const refused = await svc.waitForLog((l) => l.request_id === body.error.request_id && l.msg === 'request refused' && l.status === 503, 'the refusal')
    expect(refused.level).toBe(30)
    expect(svc.logs.filter((l) => (l.level ?? 0) >= 50)).toEqual([])
    await svc.kill()
  })

  it('logs the webhook URLs to give Twilio, and the URL a refused signature was checked against', async () => {
    const base = 'https://tts.example.test'
    svc = await spawnService({ env: { DATA_DIR: join(dataDir, 'twilio'), PUBLIC_BASE_URL: base, TWILIO_AUTH_TOKEN: 'secret-token', TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}` } })
    const line = await svc.waitForLog((l) => l.twilio !== undefined, 'the Twilio start-up line')
    expect(line).toMatchObject({
      twilio: 'configured',
      outbound: true,
      webhooks: { voice: `${base}/twilio/voice`, status: `${base}/twilio/status`, media: 'wss://tts.example.test/twilio/media' },
    })
    // Signed as Twilio would sign it for another address (the operator gave Twilio http://, say).
    const params = 'CallSid=CA123&From=%2B15551230000'
    const signature = createHmac('sha1', 'secret-token').update('http://tts.example.test/twilio/voiceCallSidCA123From+15551230000').digest('base64')
    const res = await fetch(`${svc.url}/twilio/voice`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: params,
    })
    expect(res.status).toBe(403)
    const refused = await svc.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('twilio webhook with a missing or wrong signature'), 'the refusal')
    expect(refused).toMatchObject({ level: 40, checkedAgainst: `${base}/twilio/voice` })
  })
})

/**
 * A TCP relay to `target` that holds every piece of the server's answer for `delayMs` (in order), as
 * a slow link would; `answers` counts the pieces delivered.
 */
async function slowLink(target: URL, delayMs: number): Promise<{ port: number; answers: () => number; close: () => void }> {
  let answers = 0
  const sockets: Socket[] = []
  const relay = createServer((client) => {
    const server = connect(Number(target.port || 5432), target.hostname)
    sockets.push(client, server)
    client.pipe(server)
    let queue = Promise.resolve()
    server.on('data', (chunk) => {
      queue = queue.then(() => new Promise<void>((resolve) => setTimeout(() => {
        answers++
        client.write(chunk)
        resolve()
      }, delayMs)))
    })
    for (const [a, b] of [[client, server], [server, client]]) {
      a.on('error', () => b.destroy())
      a.on('close', () => b.destroy())
    }
  })
  const port = await freePort()
  await new Promise<void>((resolve) => relay.listen(port, '127.0.0.1', resolve))
  return {
    port,
    answers: () => answers,
    close: () => {
      for (const s of sockets) s.destroy()
      relay.close()
    },
  }
}

describe('a service that starts slowly', () => {
  // Fastify's default limits a plugin's start to 10 s; the database's start (connect, migrations,
  // the first key) took longer on a slow link, and on a busy small machine's first start of the
  // embedded database, and the service gave up on a start that was working.
  it.skipIf(!process.env.DATABASE_URL)('waits for a database that answers every query, however slowly (needs a PostgreSQL server)', async () => {
    const db = await createTestDatabase()
    const DELAY_MS = 250
    const link = await slowLink(new URL(db.url!), DELAY_MS)
    const url = new URL(db.url!)
    url.host = `127.0.0.1:${link.port}`
    let svc: Service | undefined
    try {
      svc = await spawnService({ env: { DATABASE_URL: url.toString() }, readyTimeoutMs: 180_000 })
      // Each answer waited DELAY_MS before the next query could go: the start waited on the
      // database for longer than Fastify's default limit.
      expect(link.answers() * DELAY_MS).toBeGreaterThan(10_000)
      expect(svc.logs.find((l) => l.msg === 'started')).toMatchObject({ database: 'postgres' })
      expect(svc.stderr()).toBe('')
    } finally {
      await svc?.kill()
      link.close()
      await db.drop()
    }
  }, 240_000)
})
