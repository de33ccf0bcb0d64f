// Deepgram's streaming text-to-speech message set (`/v1/speak`), as its SDKs speak it: what a
// client may send, checked field by field, and what we answer. Every answer is a JSON text frame
// except the audio, which goes out as binary frames.

export type ClientMessage =
  | { type: 'Speak'; text: string }
  | { type: 'Flush' }
  | { type: 'Clear' }
  | { type: 'Close' }

/** Why a message was dropped, with the code a Warning carries. */
export interface Refusal {
  code: 'INVALID_MESSAGE' | 'UNKNOWN_MESSAGE_TYPE' | 'TEXT_TOO_LONG' | 'RATE_LIMITED' | 'BINARY_NOT_ACCEPTED' | 'INVALID_SSML' | 'SSML_NOT_DONE'
  description: string
}

export interface WordTime {
  word: string
  /** Seconds of audio since the socket opened. */
  start: number
  end: number
}

export type ServerMessage =
  | { type: 'Metadata'; request_id: string; model_name: string; model_version: string; model_uuid: string }
  | { type: 'Flushed'; sequence_id: number }
  | { type: 'Cleared'; sequence_id: number }
  | { type: 'Warning'; description: string; code: string }
  | { type: 'Words'; words: WordTime[] }
  /** An SSML mark reached: `time` in seconds of audio since the socket opened. */
  | { type: 'Mark'; name: string; time: number }

const TYPES = new Set(['Speak', 'Flush', 'Clear', 'Close'])

export function parseClientMessage(data: Buffer, isBinary: boolean, maxChars: number): { ok: true; message: ClientMessage } | { ok: false; refusal: Refusal } {
  const refuse = (code: Refusal['code'], description: string) => ({ ok: false as const, refusal: { code, description } })
  if (isBinary) return refuse('BINARY_NOT_ACCEPTED', 'Binary messages are not accepted; send JSON text messages')
  let m: unknown
  try {
    m = JSON.parse(data.toString('utf8'))
  } catch {
    return refuse('INVALID_MESSAGE', 'The message is not valid JSON')
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return refuse('INVALID_MESSAGE', 'A message must be a JSON object with a "type"')
  const { type, text } = m as { type?: unknown; text?: unknown }
  if (typeof type !== 'string') return refuse('INVALID_MESSAGE', 'A message must have a string "type"')
  if (!TYPES.has(type)) return refuse('UNKNOWN_MESSAGE_TYPE', `Unknown message type "${type.slice(0, 40)}"; expected Speak, Flush, Clear or Close`)
  if (type !== 'Speak') return { ok: true, message: { type } as ClientMessage }
  if (typeof text !== 'string') return refuse('INVALID_MESSAGE', 'Speak needs a string "text"')
  if (text.length > maxChars) return refuse('TEXT_TOO_LONG', `Speak text is limited to ${maxChars} characters per message`)
  if (text.includes('\u0000')) return refuse('INVALID_MESSAGE', 'Speak text cannot contain U+0000')
  return { ok: true, message: { type, text } }
}
