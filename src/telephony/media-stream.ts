// Twilio Media Streams, the wire protocol (see shared/TWILIO.md): what Twilio sends, checked field
// by field so that nothing malformed gets past this file, and the three messages we may send.
// Inbound `media` is checked for shape only: its payload stays an undecoded string.

export interface ConnectedMessage {
  event: 'connected'
  protocol: string
  version: string
}

export interface StartMessage {
  event: 'start'
  sequenceNumber: string
  streamSid: string
  start: {
    streamSid: string
    accountSid: string
    callSid: string
    tracks: string[]
    customParameters: Record<string, string>
    mediaFormat: { encoding: string; sampleRate: number; channels: number }
  }
}

export interface MediaMessage {
  event: 'media'
  sequenceNumber: string
  streamSid: string
  media: { track: string; chunk: string; timestamp: string; payload: string }
}

export interface DtmfMessage {
  event: 'dtmf'
  sequenceNumber: string
  streamSid: string
  dtmf: { track: string; digit: string }
}

export interface MarkMessage {
  event: 'mark'
  sequenceNumber: string
  streamSid: string
  mark: { name: string }
}

export interface StopMessage {
  event: 'stop'
  sequenceNumber: string
  streamSid: string
  stop: { accountSid: string; callSid: string }
}

export type InboundMessage = ConnectedMessage | StartMessage | MediaMessage | DtmfMessage | MarkMessage | StopMessage

/** A closed set, so the reason can label a metric. */
export type ProtocolErrorReason =
  | 'binary_frame'
  | 'bad_json'
  | 'unknown_event'
  | 'bad_field'
  | 'wrong_stream'
  | 'out_of_order'
  | 'unknown_mark'
  | 'bad_start'

export type Parsed = { ok: true; message: InboundMessage } | { ok: false; reason: ProtocolErrorReason; detail: string }

/** Stream and call sids are letters and digits; checking that here lets the builders below skip escaping. */
const SID = /^[A-Za-z0-9]{2,64}$/
const DIGIT = /^[0-9*#A-D]$/

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const isStr = (v: unknown): v is string => typeof v === 'string'

class FieldError extends Error {}

function str(o: Obj, key: string, where: string): string {
  const v = o[key]
  if (!isStr(v)) throw new FieldError(`${where}.${key} must be a string`)
  return v
}

function obj(o: Obj, key: string, where: string): Obj {
  const v = o[key]
  if (!isObj(v)) throw new FieldError(`${where}.${key} must be an object`)
  return v
}

function sid(o: Obj, key: string, where: string): string {
  const v = str(o, key, where)
  if (!SID.test(v)) throw new FieldError(`${where}.${key} is not a sid`)
  return v
}

/** The fields every message but `connected` has; sequence numbers are strings of digits. */
function common(m: Obj): void {
  if (!/^\d{1,15}$/.test(str(m, 'sequenceNumber', 'message'))) throw new FieldError('sequenceNumber must be a string of digits')
  sid(m, 'streamSid', 'message')
}

function checkStart(m: Obj): void {
  common(m)
  const s = obj(m, 'start', 'message')
  if (sid(s, 'streamSid', 'start') !== m.streamSid) throw new FieldError('start.streamSid differs from streamSid')
  sid(s, 'accountSid', 'start')
  sid(s, 'callSid', 'start')
  if (!Array.isArray(s.tracks) || !s.tracks.every(isStr)) throw new FieldError('start.tracks must be a list of strings')
  const params = s.customParameters ?? {}
  if (!isObj(params) || !Object.values(params).every(isStr)) throw new FieldError('start.customParameters must map names to strings')
  s.customParameters = params
  const f = obj(s, 'mediaFormat', 'start')
  str(f, 'encoding', 'start.mediaFormat')
  if (typeof f.sampleRate !== 'number' || typeof f.channels !== 'number') throw new FieldError('start.mediaFormat.sampleRate and channels must be numbers')
}

function check(m: Obj): InboundMessage {
  switch (m.event) {
    case 'connected':
      str(m, 'protocol', 'message')
      str(m, 'version', 'message')
      return m as unknown as ConnectedMessage
    case 'start':
      checkStart(m)
      return m as unknown as StartMessage
    case 'media': {
      common(m)
      const media = obj(m, 'media', 'message')
      for (const k of ['track', 'chunk', 'timestamp', 'payload']) str(media, k, 'media')
      return m as unknown as MediaMessage
    }
    case 'dtmf': {
      common(m)
      const d = obj(m, 'dtmf', 'message')
      str(d, 'track', 'dtmf')
      if (!DIGIT.test(str(d, 'digit', 'dtmf'))) throw new FieldError('dtmf.digit must be one key')
      return m as unknown as DtmfMessage
    }
    case 'mark':
      common(m)
      str(obj(m, 'mark', 'message'), 'name', 'mark')
      return m as unknown as MarkMessage
    case 'stop':
      common(m)
      return m as unknown as StopMessage
    default:
      throw new FieldError('unknown')
  }
}

/** One WebSocket frame from Twilio, parsed and checked. Never throws. */
export function parseInbound(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): Parsed {
  if (isBinary) return { ok: false, reason: 'binary_frame', detail: 'Twilio sends JSON text frames only' }
  const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { ok: false, reason: 'bad_json', detail: 'not JSON' }
  }
  if (!isObj(value) || !isStr(value.event)) return { ok: false, reason: 'bad_field', detail: 'no event' }
  try {
    return { ok: true, message: check(value) }
  } catch (err) {
    if (err instanceof FieldError && err.message === 'unknown') {
      return { ok: false, reason: 'unknown_event', detail: `event "${value.event.slice(0, 32)}"` }
    }
    return { ok: false, reason: 'bad_field', detail: (err as Error).message }
  }
}

// Outbound: media, mark and clear only, always with the streamSid from `start` (checked by SID
// above) and mark names we made ourselves, so plain concatenation is valid JSON and saves a
// JSON.stringify on each of the 50 frames a second of every call.

/** One 20 ms frame of raw 8 kHz μ-law, already base64. */
export function mediaMessage(streamSid: string, payloadBase64: string): string {
  return `{"event":"media","streamSid":"${streamSid}","media":{"payload":"${payloadBase64}"}}`
}

export function markMessage(streamSid: string, name: string): string {
  if (!/^[\w:.-]{1,64}$/.test(name)) throw new Error(`mark name "${name}" is not safe`)
  return `{"event":"mark","streamSid":"${streamSid}","mark":{"name":"${name}"}}`
}

export function clearMessage(streamSid: string): string {
  return `{"event":"clear","streamSid":"${streamSid}"}`
}
