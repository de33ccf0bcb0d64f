// What the console needs from the server, without a browser: its files under a strict CSP, the
// calls pushed as events (GET /v1/calls/events), and any key's usage for an admin.
import { readdirSync, readFileSync } from 'node:fs'
import { get } from 'node:http'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { webDir } from '../../src/console/static-files.js'
import { CONSOLE_CSP } from '../../src/routes/console.js'
import { callIn, postWebhook, startCallRig, type CallRig } from '../helpers/twilio-app.js'
import { errorOf, startApp } from '../helpers/app.js'

let rig: CallRig
let admin: string
beforeAll(async () => {
  rig = await startCallRig()
  admin = await rig.key(['admin'])
})
afterAll(() => rig?.close())
const url = () => rig.apps[0].url

describe('the console files', () => {
  it('serves the page under a CSP that allows only its own scripts, styles and origin', async () => {
    const res = await fetch(`${url()}/console`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const csp = res.headers.get('content-security-policy')
    expect(csp).toBe(CONSOLE_CSP)
    expect(csp).not.toMatch(/unsafe|\*|data:|blob:|http/)
    expect(csp).toMatch(/default-src 'none'/)
    expect(res.headers.get('x-frame-options')).toBe('DENY')
    expect(await res.text()).toMatch(/<script type="module" src="\/console\/js\/app.js"><\/script>/)
  })

  it('has no inline script, style or event handler, and builds no markup from strings', () => {
    const dir = webDir()
    const html = readFileSync(join(dir, 'index.html'), 'utf8')
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i)
    for (const file of readdirSync(join(dir, 'js'))) {
      const js = readFileSync(join(dir, 'js', file), 'utf8')
      expect(js, file).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|localStorage/)
    }
  })

  it('sends it gzipped when asked, and answers a revalidation with 304', async () => {
    const plain = await fetch(`${url()}/console/js/app.js`, { headers: { 'accept-encoding': 'identity' } })
    expect(plain.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    const body = await plain.text()
    // node:http, not fetch: fetch would undo the gzip before we could see it.
    const gzipped = await new Promise<{ encoding?: string; bytes: Buffer }>((resolve, reject) => {
      get(`${url()}/console/js/app.js`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve({ encoding: res.headers['content-encoding'], bytes: Buffer.concat(chunks) }))
      }).on('error', reject)
    })
    expect(gzipped.encoding).toBe('gzip')
    expect(gunzipSync(gzipped.bytes).toString()).toBe(body)
    const again = await fetch(`${url()}/console/js/app.js`, { headers: { 'if-none-match': plain.headers.get('etag')! } })
    expect(again.status).toBe(304)
  })

  it('answers a file it does not have with 404 in the error shape, outside web/ too', async () => {
    for (const path of ['/console/nope.js', '/console/../package.json', '/console/%2e%2e/package.json', '/console/js/../../src/app.ts']) {
      const res = await fetch(url() + path)
      expect(res.status, path).toBe(404)
      expect((await errorOf(res)).code).toBe('not_found')
    }
  })
})

/** The `event: call` payloads of a /v1/calls/events stream, as they arrive. */
async function* events(key: string, signal: AbortSignal): AsyncGenerator<Record<string, unknown>> {
  const res = await fetch(`${url()}/v1/calls/events`, { headers: { 'x-api-key': key }, signal })
  expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
  const decoder = new TextDecoder()
  let buffer = ''
  for await (const chunk of res.body!) {
    buffer += decoder.decode(chunk, { stream: true })
    let end
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const data = /^data: (.*)$/m.exec(event)?.[1]
      if (/^event: call$/m.test(event) && data) yield JSON.parse(data)
    }
  }
}

describe('GET /v1/calls/events', () => {
  it('pushes a call as it starts, as it speaks (what it says), and as it ends', async () => {
    const abort = new AbortController()
    const seen = events(await rig.key(['calls']), abort.signal)
    const { callSid, stream } = await callIn(rig.apps[0])
    let e: Record<string, unknown>
    do e = (await seen.next()).value!
    while (e.call_sid !== callSid || !e.live)
    expect(e).toMatchObject({ direction: 'inbound', status: 'in-progress', live: true })
    do e = (await seen.next()).value!
    while (e.call_sid !== callSid || !((e.frames_sent as number) > 0 && e.speaking))
    expect(e.saying).toBe(rig.apps[0].config.calls.greeting)
    await postWebhook(rig.apps[0], '/twilio/status', { CallSid: callSid, CallStatus: 'completed' })
    stream.close()
    do e = (await seen.next()).value!
    while (e.call_sid !== callSid || e.status !== 'completed' || e.live)
    expect(e.ended_at).not.toBeNull()
    abort.abort()
  })

  it("does not show a calls key another key's outbound call", async () => {
    const abort = new AbortController()
    const seen = events(await rig.key(['calls']), abort.signal)
    const res = await fetch(`${url()}/v1/calls`, { method: 'POST', headers: { 'x-api-key': admin, 'content-type': 'application/json' }, body: JSON.stringify({ to: '+15557654321', text: 'Hello.' }) })
    const placed = (await res.json()) as { call_sid: string }
    // Our own inbound call after it: once it shows, the outbound one would have too.
    const { callSid, stream } = await callIn(rig.apps[0])
    const got: unknown[] = []
    let e: Record<string, unknown>
    do got.push((e = (await seen.next()).value!).call_sid)
    while (e.call_sid !== callSid)
    expect(got).not.toContain(placed.call_sid)
    stream.close()
    abort.abort()
  })
})

describe('an open event stream', () => {
  it('is ended when the service shuts down, and does not hold the shutdown up', async () => {
    const t = await startApp()
    const res = await fetch(`${t.url}/v1/calls/events`, { headers: { 'x-api-key': await t.key({ scopes: ['calls'] }) } })
    const reader = res.body!.getReader()
    await reader.read() // the first comment: connected
    await t.close()
    let ended = false
    while (!ended) ended = (await reader.read().catch(() => ({ done: true }))).done
  })
})

describe('GET /v1/keys/:id/usage', () => {
  it("gives an admin another key's use this month, by day", async () => {
    const key = await rig.key(['tts'])
    const tts = await fetch(`${url()}/v1/tts`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify({ text: 'Hello there.', voice_id: 'kal' }) })
    await tts.arrayBuffer()
    const { key: { id } } = (await (await fetch(`${url()}/v1/auth/verify`, { headers: { 'x-api-key': key } })).json()) as { key: { id: string } }
    await expect.poll(async () => {
      const usage = (await (await fetch(`${url()}/v1/keys/${id}/usage`, { headers: { 'x-api-key': admin } })).json()) as { characters: number; by_day: Array<{ characters: number }> }
      return [usage.characters, usage.by_day.reduce((a, d) => a + d.characters, 0)]
    }).toEqual([12, 12])
  })

  it('answers an unknown key with 404', async () => {
    const res = await fetch(`${url()}/v1/keys/00000000-0000-4000-8000-000000000000/usage`, { headers: { 'x-api-key': admin } })
    expect(res.status).toBe(404)
    expect((await errorOf(res)).code).toBe('not_found')
  })
})
