// Closing the app lets a response in progress finish (and be metered), and answers a request that
// still arrives, on a connection already open, in the one error shape.
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseWav } from '../../src/audio/wav.js'
import { startApp, type TestApp } from '../helpers/app.js'

let t: TestApp

beforeAll(async () => {
  t = await startApp()
})
afterAll(() => t?.close())

/** The body of a chunked HTTP/1.1 response starting at `at`, and where the response ends. */
function dechunk(buf: Buffer, at: number): { body: Buffer; end: number } {
  const parts: Buffer[] = []
  let i = buf.indexOf('\r\n\r\n', at) + 4
  for (;;) {
    const eol = buf.indexOf('\r\n', i)
    const size = parseInt(buf.subarray(i, eol).toString(), 16)
    i = eol + 2
    if (size === 0) return { body: Buffer.concat(parts), end: i + 2 }
    parts.push(buf.subarray(i, i + size))
    i += size + 2
  }
}

describe('shutdown', () => {
  it('finishes a stream in progress, records it, and answers a late request with a JSON 503', async () => {
    const key = await t.key()
    // Long and at 48 kHz: far more bytes than socket buffers hold, so while the client does not
    // read, the response is still in progress on the server.
    const text = Array.from({ length: 40 }, (_, i) => `This is sentence ${i + 1} of a message that is still playing.`).join(' ')
    const json = JSON.stringify({ text, voice_id: 'kal', speed: 0.5, sample_rate: 48000 })
    const { port } = new URL(t.url)
    let closing: Promise<void> | undefined
    const raw = await new Promise<Buffer>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1')
      const parts: Buffer[] = []
      socket.on('data', (d: Buffer) => {
        parts.push(d)
        if (closing) return
        socket.pause()
        closing = t.app.close()
        // Once the server has stopped listening it is closing; a request sent now on this open
        // connection is read after the first response ends.
        void (async () => {
          while (t.app.server.listening) await new Promise((r) => setImmediate(r))
          socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n')
          socket.resume()
        })()
      })
      socket.on('end', () => resolve(Buffer.concat(parts)))
      socket.on('error', reject)
      socket.write(`POST /v1/tts HTTP/1.1\r\nHost: x\r\nx-api-key: ${key}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(json)}\r\n\r\n${json}`)
    })
    await closing
    expect(raw.subarray(0, 15).toString()).toBe('HTTP/1.1 200 OK')
    const first = dechunk(raw, 0)
    const wav = parseWav(first.body)
    expect(wav.samples.length / wav.sampleRate).toBeGreaterThan(100)
    const second = raw.subarray(first.end).toString()
    expect(second).toMatch(/^HTTP\/1\.1 503 /)
    const body = JSON.parse(second.slice(second.indexOf('\r\n\r\n') + 4))
    expect(body.error.code).toBe('unavailable')
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'request_id'])
    // The usage recorder was flushed on close.
    const rows = await t.shared.raw.query<{ status: number }>(
      `SELECT u.status FROM usage u JOIN api_keys k ON k.id = u.key_id WHERE k.key_prefix = $1`, [key.slice(0, 16)])
    expect(rows.map((r) => r.status)).toEqual([200])
  })
})
