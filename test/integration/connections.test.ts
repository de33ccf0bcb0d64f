// What a client gets when it talks to the service with no proxy in front: a request whose headers
// or body never finish is answered 408 in the error shape, an address over its connection cap is
// refused 429, and bytes that are not UTF-8 (in a JSON body or a query string) get 400, not text
// with U+FFFD in it.
import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { errorOf, post, startApp, type TestApp } from '../helpers/app.js'

let t: TestApp
let port: number

beforeAll(async () => {
  t = await startApp({ connections: { headersTimeoutMs: 1000, requestTimeoutMs: 2000, maxPerAddress: 4 } })
  port = Number(new URL(t.url).port)
})
afterAll(() => t?.close())

/** A raw socket: writes what it is given and resolves with everything the server sent once it closes. */
async function raw(write: (s: Socket) => void): Promise<string> {
  const s = connect(port, '127.0.0.1')
  await new Promise((r) => s.once('connect', r))
  let got = ''
  s.on('data', (d) => (got += d.toString()))
  write(s)
  await new Promise((r) => s.once('close', r))
  return got
}

/** Status and the parsed error body of a raw HTTP answer. */
function answer(text: string) {
  const [head, body] = text.split('\r\n\r\n')
  return { status: Number(head.split(' ')[1]), head, error: (JSON.parse(body) as { error: { code: string; message: string; request_id: string } }).error }
}

describe('slow clients', () => {
  it('answers headers that never finish with 408 in the error shape', async () => {
    const a = answer(await raw((s) => s.write('GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ')))
    expect(a.status).toBe(408)
    expect(a.error).toMatchObject({ code: 'request_timeout' })
    expect(Object.keys(a.error).sort()).toEqual(['code', 'message', 'request_id'])
  })

  it('answers a body that never finishes with 408 in the error shape', async () => {
    const key = await t.key()
    const a = answer(await raw((s) => s.write(`POST /v1/tts HTTP/1.1\r\nHost: x\r\nx-api-key: ${key}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"text":`)))
    expect(a.status).toBe(408)
    expect(a.error.code).toBe('request_timeout')
  })
})

describe('connections per address', () => {
  it('refuses the connection over the cap with 429, and takes new ones once others close', async () => {
    const held: Socket[] = []
    for (let i = 0; i < 4; i++) {
      const s = connect(port, '127.0.0.1')
      await new Promise((r) => s.once('connect', r))
      held.push(s)
    }
    const a = answer(await raw(() => {}))
    expect(a.status).toBe(429)
    expect(a.error.code).toBe('rate_limited')
    expect(a.head).toMatch(/retry-after: 1/i)
    for (const s of held) s.destroy()
    await expect.poll(async () => (await fetch(`${t.url}/health`)).status).toBe(200)
  })
})

describe('malformed UTF-8', () => {
  const send = (path: string, body: Buffer, key: string) =>
    fetch(t.url + path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: new Uint8Array(body) })
  const invalid = Buffer.concat([Buffer.from('{"name":"ab'), Buffer.from([0xc0, 0xaf]), Buffer.from('cd"}')])

  it('refuses a JSON body that is not UTF-8 with 400, on every route that takes JSON', async () => {
    const admin = await t.key({ scopes: ['admin'] })
    const keys = await send('/v1/keys', invalid, admin)
    expect(keys.status).toBe(400)
    expect(await errorOf(keys)).toMatchObject({ code: 'invalid_json', message: 'The request is not valid UTF-8' })
    const tts = await send('/v1/tts', Buffer.concat([Buffer.from('{"text":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]), await t.key())
    expect(tts.status).toBe(400)
    expect((await errorOf(tts)).code).toBe('invalid_json')
    // Real UTF-8 still passes.
    const ok = await post(t.url, '/v1/keys', { name: 'café ☎' }, { 'x-api-key': admin })
    expect(ok.status).toBe(201)
  })

  it('refuses a query string whose percent-escapes are not UTF-8, and keeps a lone % as text', async () => {
    const key = await t.key()
    const bad = await fetch(`${t.url}/v1/voices?language=%C0%AF`, { headers: { 'x-api-key': key } })
    expect(bad.status).toBe(400)
    expect((await errorOf(bad)).message).toBe('The request is not valid UTF-8')
    expect((await fetch(`${t.url}/v1/voices?language=100%`, { headers: { 'x-api-key': key } })).status).not.toBe(400)
  })
})
