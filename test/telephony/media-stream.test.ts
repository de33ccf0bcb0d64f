// The wire protocol: every message Twilio documents parses; anything else is refused with a
// reason, never an exception; what we build is exactly Twilio's shape.
import { describe, expect, it } from 'vitest'
import { clearMessage, markMessage, mediaMessage, parseInbound } from '../../src/telephony/media-stream.js'

const SID = 'MZ0123456789abcdef0123456789abcdef'
const CALL = 'CA0123456789abcdef0123456789abcdef'
const ACCOUNT = 'AC0123456789abcdef0123456789abcdef'
const parse = (m: unknown) => parseInbound(Buffer.from(typeof m === 'string' ? m : JSON.stringify(m)), false)

const start = {
  event: 'start', sequenceNumber: '1', streamSid: SID,
  start: { streamSid: SID, accountSid: ACCOUNT, callSid: CALL, tracks: ['inbound'], customParameters: { token: 'x' }, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } },
}

describe('parseInbound', () => {
  it.each([
    ['connected', { event: 'connected', protocol: 'Call', version: '1.0.0' }],
    ['start', start],
    ['media', { event: 'media', sequenceNumber: '4', streamSid: SID, media: { track: 'inbound', chunk: '2', timestamp: '5', payload: '//8=' } }],
    ['dtmf', { event: 'dtmf', sequenceNumber: '5', streamSid: SID, dtmf: { track: 'inbound_track', digit: '*' } }],
    ['mark', { event: 'mark', sequenceNumber: '6', streamSid: SID, mark: { name: 'g3:m42' } }],
    ['stop', { event: 'stop', sequenceNumber: '7', streamSid: SID, stop: { accountSid: ACCOUNT, callSid: CALL } }],
  ])('accepts %s as Twilio sends it', (event, message) => {
    const r = parse(message)
    expect(r.ok).toBe(true)
    if (r.ok) expect(r.message.event).toBe(event)
  })

  it.each([
    ['a binary frame', Buffer.from('{}'), true, 'binary_frame'],
    ['text that is not JSON', Buffer.from('{"event":'), false, 'bad_json'],
    ['JSON that is not an object', Buffer.from('[1,2]'), false, 'bad_field'],
    ['an unknown event', Buffer.from('{"event":"dance","sequenceNumber":"1","streamSid":"MZ1"}'), false, 'unknown_event'],
  ] as const)('refuses %s', (_what, data, binary, reason) => {
    expect(parseInbound(data, binary)).toMatchObject({ ok: false, reason })
  })

  it.each([
    ['a numeric sequenceNumber', { ...start, sequenceNumber: 1 }],
    ['a missing streamSid', { ...start, streamSid: undefined }],
    ['a streamSid that differs inside start', { ...start, start: { ...start.start, streamSid: 'MZother' } }],
    ['a sid with odd characters', { ...start, streamSid: 'MZ"}', start: { ...start.start, streamSid: 'MZ"}' } }],
    ['a numeric custom parameter', { ...start, start: { ...start.start, customParameters: { token: 5 } } }],
    ['a sampleRate as a string', { ...start, start: { ...start.start, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: '8000', channels: 1 } } }],
    ['media without a payload', { event: 'media', sequenceNumber: '4', streamSid: SID, media: { track: 'inbound', chunk: '2', timestamp: '5' } }],
    ['media with a numeric timestamp', { event: 'media', sequenceNumber: '4', streamSid: SID, media: { track: 'inbound', chunk: '2', timestamp: 5, payload: '' } }],
    ['dtmf with two digits', { event: 'dtmf', sequenceNumber: '5', streamSid: SID, dtmf: { track: 'inbound_track', digit: '12' } }],
    ['a mark without a name', { event: 'mark', sequenceNumber: '6', streamSid: SID, mark: {} }],
    ['stream_sid instead of streamSid', { event: 'stop', sequenceNumber: '7', stream_sid: SID }],
  ])('refuses %s as a bad field', (_what, message) => {
    expect(parse(message)).toMatchObject({ ok: false, reason: 'bad_field' })
  })
})

describe('outbound messages', () => {
  it('are the JSON Twilio documents, with the streamSid', () => {
    expect(JSON.parse(mediaMessage(SID, '//8='))).toEqual({ event: 'media', streamSid: SID, media: { payload: '//8=' } })
    expect(JSON.parse(markMessage(SID, 'g3:s2'))).toEqual({ event: 'mark', streamSid: SID, mark: { name: 'g3:s2' } })
    expect(JSON.parse(clearMessage(SID))).toEqual({ event: 'clear', streamSid: SID })
  })

  it('refuses a mark name that would need escaping', () => {
    expect(() => markMessage(SID, 'a"b')).toThrow()
  })
})
