// nginx/: the real configuration, rendered as the nginx image would render it (with a self-signed
// certificate, loopback ports and two local instances in the upstream), checked with `nginx -t`,
// then run in front of two small HTTP + WebSocket servers that stand in for the service.
// Everything listens on 127.0.0.1; the per-IP limits are probed from other loopback addresses.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { request as httpRequest } from 'node:http'
import { createRequire } from 'node:module'
import { createServer as createNetServer, connect, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// `ws` comes with @fastify/websocket; it has no type declarations here, so it is loaded untyped
// and given the little shape this file uses.
interface WsSocket {
  on(event: 'message', fn: (data: Buffer) => void): void
  on(event: 'open' | 'close', fn: () => void): void
  on(event: 'error', fn: (err: Error) => void): void
  on(event: 'unexpected-response', fn: (req: unknown, res: IncomingMessage) => void): void
  send(data: string): void
  close(): void
  terminate(): void
}
interface WsModule {
  WebSocket: new (url: string, options: object) => WsSocket
  WebSocketServer: new (options: { noServer: true }) => {
    handleUpgrade(req: IncomingMessage, socket: unknown, head: Buffer, cb: (ws: WsSocket) => void): void
    close(): void
  }
}
const { WebSocket, WebSocketServer } = createRequire(import.meta.url)('ws') as WsModule

const ROOT = join(import.meta.dirname, '..', '..')
const DOMAIN = 'tts.test'
const TTS_BURST = 3
const hasNginx = spawnSync('nginx', ['-v']).status === 0
const hasOpenssl = spawnSync('openssl', ['version']).status === 0
// Elsewhere a machine without nginx skips these tests; CI (.ci/run installs it) must run them.
const required = process.env.CI === 'true'

/** `${NAME}` → value, for the names given, as the image's envsubst step does (others are kept). */
function render(template: string, vars: Record<string, string>): string {
  return template.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (whole, name: string) => vars[name] ?? whole)
}

function nginxVersion(): number[] {
  const out = spawnSync('nginx', ['-v'], { encoding: 'utf8' }).stderr
  return (/nginx\/(\d+)\.(\d+)\.(\d+)/.exec(out) ?? ['', '0', '0', '0']).slice(1).map(Number)
}

/** Older nginx (Debian 12 has 1.22) has no `http2 on;`: it takes `http2` as a listen flag instead. */
function forThisNginx(conf: string): string {
  const [major, minor, patch] = nginxVersion()
  const hasHttp2Directive = major > 1 || minor > 25 || (minor === 25 && patch >= 1)
  if (hasHttp2Directive) return conf
  return conf.replace(/^\s*http2 on;\n/gm, '').replace(/^(\s*listen [^;]*\bssl)(?![^;]*default_server);/gm, '$1 http2;')
}

async function freePort(): Promise<number> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

interface Seen {
  backend: string
  method: string
  url: string
  headers: IncomingHttpHeaders
}

/** A stand-in for one service instance: echoes what it was sent, and speaks WebSocket on /twilio/media. */
class Upstream {
  readonly server: Server
  readonly seen: Seen[] = []
  draining = false
  /** Resolved by the test to let a streamed /v1/tts response finish. */
  release: (() => void) | null = null
  port = 0
  private readonly wss = new WebSocketServer({ noServer: true })

  constructor(readonly name: string) {
    this.server = createServer((req, res) => {
      this.seen.push({ backend: name, method: req.method ?? '', url: req.url ?? '', headers: req.headers })
      req.resume()
      // As the service does (helmet): nginx must replace this, not send it twice.
      res.setHeader('strict-transport-security', 'max-age=1')
      if (this.draining) {
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":"unavailable"}}')
        return
      }
      if (req.url?.startsWith('/v1/tts') && req.headers['x-test-stream'] === '1') {
        // The first chunk now, the rest only when the test has received it through nginx.
        res.writeHead(200, { 'content-type': 'audio/wav' })
        res.write(Buffer.alloc(1024, 1))
        this.release = () => res.end(Buffer.alloc(1024, 2))
        return
      }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ backend: name, headers: req.headers }))
    })
    this.server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
      if (req.url !== '/twilio/media') return socket.destroy()
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('message', (data) => {
          ws.send(JSON.stringify({ backend: name, echo: data.toString(), proto: req.headers['x-forwarded-proto'], host: req.headers.host }))
        })
      })
    })
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.port = (this.server.address() as AddressInfo).port
  }

  async close(): Promise<void> {
    this.wss.close()
    this.server.closeAllConnections()
    await new Promise((resolve) => this.server.close(resolve))
  }
}

interface Reply {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

describe.skipIf(!required && (!hasNginx || !hasOpenssl))('nginx in front of two instances', () => {
  let dir: string
  let conf: string
  let cert: string
  let httpPort: number
  let httpsPort: number
  let nginx: ChildProcess | null = null
  let nginxLog = ''
  const a = new Upstream('a')
  const b = new Upstream('b')

  const https = (path: string, opts: { method?: string; headers?: Record<string, string>; from?: string; body?: string } = {}): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1', port: httpsPort, path, method: opts.method ?? 'GET', servername: DOMAIN, ca: cert,
          headers: { host: DOMAIN, ...opts.headers }, localAddress: opts.from, agent: false, timeout: 10_000,
        },
        (res) => {
          let body = ''
          res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
        },
      )
      req.on('timeout', () => req.destroy(new Error(`timed out: ${path}`))).on('error', reject)
      req.end(opts.body)
    })

  const http = (path: string, host = DOMAIN): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: httpPort, path, headers: { host }, agent: false, timeout: 10_000 }, (res) => {
        let body = ''
        res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      })
      req.on('timeout', () => req.destroy(new Error(`timed out: ${path}`))).on('error', reject)
      req.end()
    })

  beforeAll(async () => {
    expect(hasNginx && hasOpenssl, 'nginx and openssl must be installed (apt-get install nginx openssl)').toBe(true)
    dir = mkdtempSync(join(tmpdir(), 'cw-nginx-'))
    // Run as root, nginx's workers drop to an unprivileged user, which must reach the webroot.
    chmodSync(dir, 0o755)
    for (const sub of ['conf.d', 'certs', 'tmp', 'www/.well-known/acme-challenge']) mkdirSync(join(dir, sub), { recursive: true, mode: 0o755 })
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${DOMAIN}`,
      '-addext', `subjectAltName=DNS:${DOMAIN}`,
      '-keyout', join(dir, 'certs', 'privkey.pem'), '-out', join(dir, 'certs', 'fullchain.pem'),
    ], { stdio: 'ignore' })
    cert = readFileSync(join(dir, 'certs', 'fullchain.pem'), 'utf8')
    writeFileSync(join(dir, 'www/.well-known/acme-challenge/token-123'), 'token-123.thumbprint', { mode: 0o644 })

    await a.listen()
    await b.listen()
    httpPort = await freePort()
    httpsPort = await freePort()

    // The layout of /etc/nginx in the container: nginx.conf, proxy.conf, upstream.conf, conf.d/.
    copyFileSync(join(ROOT, 'nginx/nginx.conf'), join(dir, 'nginx.conf'))
    copyFileSync(join(ROOT, 'nginx/proxy.conf'), join(dir, 'proxy.conf'))
    // Both instances; max_fails=0 so the "draining" test below leaves no memory of failures behind.
    writeFileSync(join(dir, 'upstream.conf'), [a, b].map((u) => `server 127.0.0.1:${u.port} max_fails=0;\n`).join(''))
    const site = render(readFileSync(join(ROOT, 'nginx/templates/default.conf.template'), 'utf8'), {
      DOMAIN,
      // One a minute: nothing refills while the test runs, so the burst is exact.
      NGINX_TTS_RATE: '1r/m',
      NGINX_TTS_BURST: String(TTS_BURST),
      NGINX_API_RATE: '100r/s',
      NGINX_API_BURST: '100',
    })
    expect(site).not.toMatch(/\$\{/)
    conf = forThisNginx(site)
      .replaceAll(`/etc/letsencrypt/live/${DOMAIN}/`, `${dir}/certs/`)
      .replaceAll('/var/www/certbot', `${dir}/www`)
      .replace(/^\s*listen \[::\]:.*\n/gm, '')
      .replace(/listen 80\b/g, `listen 127.0.0.1:${httpPort}`)
      .replace(/listen 443\b/g, `listen 127.0.0.1:${httpsPort}`)
    writeFileSync(join(dir, 'conf.d', 'default.conf'), conf)
    // Temp files in the test's directory, not the system's (these are http-level directives).
    writeFileSync(join(dir, 'conf.d', 'zz-test-paths.conf'),
      ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `${k}_temp_path ${dir}/tmp/${k};\n`).join(''))
  })

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx!.once('exit', resolve))
      nginx.kill('SIGTERM')
      const timer = setTimeout(() => nginx?.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    }
    await a.close()
    await b.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const args = () => ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr', '-g', `pid ${dir}/nginx.pid;`]

  it('passes nginx -t', () => {
    // (stdout to /dev/null: the access log is /dev/stdout, which cannot be opened on a socket.)
    const run = spawnSync('nginx', ['-t', ...args()], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] })
    expect(run.stderr).toContain('test is successful')
    expect(run.status).toBe(0)
  })

  it('keeps a call\'s WebSocket open for an hour of silence, and streams it unbuffered', () => {
    // (Waiting out a timeout is no test; the directives are read from the rendered block instead.)
    const block = /location = \/twilio\/media \{([^}]*)\}/.exec(conf)?.[1] ?? ''
    const seconds = (name: string) => Number(new RegExp(`\\b${name} (\\d+)s;`).exec(block)?.[1] ?? 0)
    for (const name of ['proxy_read_timeout', 'proxy_send_timeout', 'send_timeout']) expect(seconds(name), name).toBeGreaterThanOrEqual(3600)
    expect(block).toContain('proxy_buffering off;')
  })

  it('starts on loopback', async () => {
    nginx = spawn('nginx', [...args().slice(0, -1), `pid ${dir}/nginx.pid; daemon off;`], { stdio: ['ignore', 'ignore', 'pipe'] })
    nginx.stderr!.setEncoding('utf8').on('data', (c: string) => (nginxLog += c))
    // Ready once the HTTPS port accepts connections (at most 100 tries, 50 ms apart).
    for (let i = 0; i < 100; i++) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = connect(httpsPort, '127.0.0.1', () => { s.destroy(); resolve(true) })
        s.on('error', () => resolve(false))
      })
      if (ok) break
      if (nginx.exitCode !== null) break
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(nginx.exitCode, nginxLog).toBeNull()
  })

  it('redirects HTTP to HTTPS, but serves the ACME challenge over HTTP', async () => {
    const redirect = await http('/v1/voices?x=1')
    expect(redirect.status).toBe(301)
    expect(redirect.headers.location).toBe(`https://${DOMAIN}/v1/voices?x=1`)
    const challenge = await http('/.well-known/acme-challenge/token-123')
    expect(challenge.status).toBe(200)
    expect(challenge.body).toBe('token-123.thumbprint')
  })

  it('gives no answer to other host names', async () => {
    await expect(http('/', 'other.test')).rejects.toThrow()
    const handshake = new Promise((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: httpsPort, path: '/', servername: 'other.test', rejectUnauthorized: false, agent: false }, resolve)
      req.on('error', reject).end()
    })
    await expect(handshake).rejects.toThrow(/alert|handshake|reset|unrecognized/i)
  })

  it('balances HTTPS requests over both instances, with the forwarded headers set', async () => {
    const backends = new Set<string>()
    for (let i = 0; i < 6; i++) {
      const res = await https('/v1/voices', { headers: { 'x-forwarded-for': '198.51.100.7' } })
      expect(res.status).toBe(200)
      const { backend, headers } = JSON.parse(res.body) as { backend: string; headers: IncomingHttpHeaders }
      backends.add(backend)
      expect(headers['x-forwarded-proto']).toBe('https')
      expect(headers['x-forwarded-host']).toBe(DOMAIN)
      expect(headers.host).toBe(DOMAIN)
      // Set by nginx from the connection, never appended to what the client claimed.
      expect(headers['x-forwarded-for']).toBe('127.0.0.1')
      expect(headers['x-real-ip']).toBe('127.0.0.1')
      expect(headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/)
    }
    expect([...backends].sort()).toEqual(['a', 'b'])
  })

  it('sets HSTS and the other security headers once, in place of the instance\'s', async () => {
    const res = await https('/health')
    expect(res.headers['strict-transport-security']).toBe('max-age=63072000; includeSubDomains')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['x-frame-options']).toBe('DENY')
    expect(res.headers['referrer-policy']).toBe('no-referrer')
    expect(res.headers.server).toBe('nginx')
  })

  it('keeps /metrics off the public listener', async () => {
    const before = a.seen.length + b.seen.length
    expect((await https('/metrics')).status).toBe(404)
    expect(a.seen.length + b.seen.length).toBe(before)
  })

  it('leaves the body limit to the service (BODY_LIMIT_BYTES): a 2 MiB body reaches the instance', async () => {
    const body = JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) })
    const res = await https('/v1/keys', { method: 'POST', body, headers: { 'content-type': 'application/json' } })
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body)).toMatchObject({ backend: expect.any(String) })
  })

  it('streams /v1/tts audio as the instance sends it', async () => {
    const first = await new Promise<{ chunk: Buffer; rest: Promise<Buffer> }>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1', port: httpsPort, path: '/v1/tts', method: 'POST', servername: DOMAIN, ca: cert, agent: false,
          headers: { host: DOMAIN, 'content-type': 'application/json', 'x-test-stream': '1' }, localAddress: '127.0.0.5',
        },
        (res) => {
          const chunks: Buffer[] = []
          let resolveRest: (b: Buffer) => void
          const rest = new Promise<Buffer>((r) => (resolveRest = r))
          res.once('data', (c: Buffer) => resolve({ chunk: c, rest }))
          res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolveRest(Buffer.concat(chunks)))
        },
      )
      req.on('error', reject)
      // Bounded: a buffering proxy would hold the first chunk until the response ends, which it
      // never does without release() below.
      req.setTimeout(10_000, () => req.destroy(new Error('the first chunk was held back: nginx is buffering the response')))
      req.end('{"text":"hi"}')
    })
    expect(first.chunk[0]).toBe(1)
    const upstream = a.release ? a : b
    upstream.release!()
    upstream.release = null
    const all = await first.rest
    expect(all.length).toBe(2048)
    expect(all[2047]).toBe(2)
  })

  it('passes the WebSocket upgrade on /twilio/media through to an instance', async () => {
    const ws = new WebSocket(`wss://127.0.0.1:${httpsPort}/twilio/media`, { ca: cert, servername: DOMAIN, headers: { host: DOMAIN } })
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no WebSocket reply')), 10_000)
        ws.on('open', () => ws.send('{"event":"connected"}'))
        ws.on('message', (data) => { clearTimeout(timer); resolve(data.toString()) })
        ws.on('error', (err) => { clearTimeout(timer); reject(err) })
        ws.on('unexpected-response', (_req, res) => { clearTimeout(timer); reject(new Error(`upgrade refused: ${res.statusCode}`)) })
      })
      const parsed = JSON.parse(reply) as { backend: string; echo: string; proto: string; host: string }
      expect(parsed.echo).toBe('{"event":"connected"}')
      expect(['a', 'b']).toContain(parsed.backend)
      expect(parsed.proto).toBe('https')
      expect(parsed.host).toBe(DOMAIN)
    } finally {
      ws.terminate()
    }
  })

  it('answers 429 beyond the /v1/tts burst, per client address', async () => {
    const statuses: number[] = []
    for (let i = 0; i < TTS_BURST + 3; i++) {
      statuses.push((await https('/v1/tts', { method: 'POST', from: '127.0.0.2', body: '{}', headers: { 'content-type': 'application/json' } })).status)
    }
    // One at the rate, TTS_BURST more at once, then refused (nothing refills at 1r/m during the test).
    expect(statuses).toEqual([...Array(TTS_BURST + 1).fill(200), 429, 429])
    // The OpenAI-compatible route shares the zone; another address has its own allowance.
    expect((await https('/v1/audio/speech', { method: 'POST', from: '127.0.0.2', body: '{}' })).status).toBe(429)
    expect((await https('/v1/tts', { method: 'POST', from: '127.0.0.3', body: '{}' })).status).toBe(200)
    // Other routes are counted in their own zone.
    expect((await https('/v1/voices', { from: '127.0.0.2' })).status).toBe(200)
  })

  it('sends a request on to the other instance when one answers 503 (draining)', async () => {
    a.draining = true
    try {
      for (let i = 0; i < 4; i++) {
        const res = await https('/v1/usage', { method: 'POST', body: '{}' })
        expect(res.status).toBe(200)
        expect(JSON.parse(res.body).backend).toBe('b')
      }
    } finally {
      a.draining = false
    }
  })
})
