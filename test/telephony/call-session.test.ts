// The session on its own, over a socket stand-in in memory: what it does with a start whose
// speech was guessed before the database answered (the early start), right or wrong.
import { EventEmitter } from 'node:events'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WebSocket } from 'ws'
import { SynthesisPool } from '../../src/speech/workers.js'
import { Synthesizer } from '../../src/speech/synthesizer.js'
import { CallSession, type SessionOptions } from '../../src/telephony/call-session.js'
import { StreamRefused, type CallContext } from '../../src/telephony/call-context.js'
import type { StartMessage } from '../../src/telephony/media-stream.js'
import { parseMark } from '../../src/telephony/playout.js'
import { expectSpoken } from '../helpers/call-audio.js'

let pool: SynthesisPool
let synth: Synthesizer

beforeAll(async () => {
  pool = new SynthesisPool(2)
  synth = new Synthesizer(pool, await pool.voices(), { cacheBytes: 0 })
})
afterAll(() => pool.close())

const SID = 'MZ0123456789abcdef0123456789abcdef'
const CALL = 'CA0123456789abcdef0123456789abcdef'

/** Just enough of a ws socket: what the session sends is kept; marks are echoed at once. */
class FakeSocket extends EventEmitter {
  readyState = 1
  readonly sent: Record<string, unknown>[] = []
  closedWith: number | null = null
  send(text: string) {
    const m = JSON.parse(text)
    this.sent.push(m)
    if (m.event === 'mark') setImmediate(() => this.inbound({ event: 'mark', sequenceNumber: '9', streamSid: SID, mark: m.mark }))
  }
  close(code: number) {
    this.closedWith = code
    this.readyState = 3
    setImmediate(() => this.emit('close', code, Buffer.alloc(0)))
  }
  inbound(m: unknown) {
    this.emit('message', Buffer.from(JSON.stringify(m)), false)
  }
  audio() {
    return Buffer.concat(this.sent.filter((m) => m.event === 'media').map((m) => Buffer.from((m.media as { payload: string }).payload, 'base64')))
  }
}

function session(socket: FakeSocket, o: Partial<SessionOptions>): Promise<string> {
  return new Promise((resolve) => {
    new CallSession(socket as unknown as WebSocket, {
      synth,
      authorize: async () => { throw new StreamRefused('no') },
      onLive: () => {},
      onEnded: (_s, why) => resolve(why),
      metrics: { framesSent: () => {}, protocolError: () => {}, firstMedia: () => {}, bargeIn: () => {} },
      log: { info: () => {}, warn: () => {} },
      sendAheadMs: 1000,
      ...o,
    })
    socket.inbound({ event: 'connected', protocol: 'Call', version: '1.0.0' })
    socket.inbound({
      event: 'start', sequenceNumber: '1', streamSid: SID,
      start: { streamSid: SID, accountSid: 'AC01', callSid: CALL, tracks: ['inbound'], customParameters: {}, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } },
    } satisfies StartMessage)
  })
}

const kal16 = () => synth.voice('kal16')!
const context = (text: string): CallContext => ({ callId: 'c', callSid: CALL, text, voice: kal16(), bargeInDigit: null, agent: null, assistant: null, from: null, to: null, direction: 'inbound' })
const idle = () => pool.running + pool.queued === 0

describe('an early start', () => {
  it('speaks what the database says when the guess was wrong, and drops the guess', async () => {
    const socket = new FakeSocket()
    const said = 'The database has the last word.'
    const ended = session(socket, {
      preview: () => ({ text: 'A stale guess that must never be heard, however long it is.', voice: kal16() }),
      authorize: async () => context(said),
    })
    await expect.poll(() => socket.sent.some((m) => parseMark(String((m.mark as { name?: string } | undefined)?.name))?.kind === 'e'), { timeout: 20_000 }).toBe(true)
    expectSpoken(socket.audio(), said, 'kal16')
    socket.inbound({ event: 'stop', sequenceNumber: '99', streamSid: SID, stop: { accountSid: 'AC01', callSid: CALL } })
    expect(await ended).toBe('stop')
    await expect.poll(idle).toBe(true)
  })

  it('sends nothing, and stops the synthesis it began, when the start is refused', async () => {
    const socket = new FakeSocket()
    const ended = session(socket, {
      preview: () => ({ text: 'Synthesis of this begins, but it is never sent. '.repeat(5), voice: kal16() }),
      authorize: () => new Promise((_r, reject) => setTimeout(() => reject(new StreamRefused('call is not live')), 50)),
    })
    expect(await ended).toBe('call is not live')
    expect(socket.closedWith).toBe(1008)
    expect(socket.sent).toEqual([])
    await expect.poll(idle).toBe(true)
  })
})
