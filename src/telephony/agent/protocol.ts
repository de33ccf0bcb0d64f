// The agent socket's messages, in ConversationRelay's shapes where it has them (JSON text frames
// with a `type`), so an app written for it ports by changing a URL. What the app sends is checked
// here; a message that fails is answered with `error` and dropped.
import type { Interruptible } from './settings.js'

export type AgentMessage =
  | { type: 'text'; token: string; last: boolean; interruptible?: Interruptible; preemptible: boolean; lang?: string }
  | { type: 'play'; source: string; loop: number; interruptible?: Interruptible }
  | { type: 'language'; ttsLanguage: string }
  /** `transferTo` is the built-in assistant's alone: an app's JSON cannot carry it (it hands off instead). */
  | { type: 'end'; handoffData?: string; transferTo?: string }

export type Parsed = { ok: true; message: AgentMessage } | { ok: false; description: string }

/** Text tokens are small; a whole reply in one message is allowed, a flood is not. */
const MAX_TOKEN = 10_000
const LANG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/

/** ConversationRelay took `interruptible` as a boolean before its four values: both are accepted. */
function interruptible(v: unknown): Interruptible | undefined | null {
  if (v === undefined) return undefined
  if (v === true) return 'any'
  if (v === false) return 'none'
  return v === 'none' || v === 'dtmf' || v === 'speech' || v === 'any' ? v : null
}

const bad = (description: string): Parsed => ({ ok: false, description })

export function parseAgentMessage(data: Buffer | string, isBinary: boolean): Parsed {
  if (isBinary) return bad('binary frames are not accepted: send JSON text')
  let m: Record<string, unknown>
  try {
    m = JSON.parse(data.toString())
  } catch {
    return bad('not JSON')
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return bad('not a JSON object')
  const i = interruptible(m.interruptible)
  if (i === null) return bad('interruptible must be none, dtmf, speech, any, true or false')
  switch (m.type) {
    case 'text': {
      if (typeof m.token !== 'string' || m.token.length > MAX_TOKEN) return bad(`text needs a token string of at most ${MAX_TOKEN} characters`)
      if (m.last !== undefined && typeof m.last !== 'boolean') return bad('last must be a boolean')
      if (m.preemptible !== undefined && typeof m.preemptible !== 'boolean') return bad('preemptible must be a boolean')
      if (m.lang !== undefined && (typeof m.lang !== 'string' || !LANG.test(m.lang))) return bad('lang must be a language tag such as en-US')
      return { ok: true, message: { type: 'text', token: m.token, last: m.last === true, interruptible: i, preemptible: m.preemptible === true, lang: m.lang as string | undefined } }
    }
    case 'play': {
      if (typeof m.source !== 'string' || !/^https?:\/\/\S+$/.test(m.source)) return bad('play needs an http(s) source URL')
      const loop = m.loop ?? 1
      if (typeof loop !== 'number' || !Number.isInteger(loop) || loop < 0 || loop > 1000) return bad('loop must be an integer from 0 to 1000')
      return { ok: true, message: { type: 'play', source: m.source, loop, interruptible: i } }
    }
    case 'language':
      if (typeof m.ttsLanguage !== 'string' || !LANG.test(m.ttsLanguage)) return bad('language needs ttsLanguage, a tag such as es-ES')
      return { ok: true, message: { type: 'language', ttsLanguage: m.ttsLanguage } }
    case 'end':
      if (m.handoffData !== undefined && typeof m.handoffData !== 'string') return bad('handoffData must be a string')
      if (typeof m.handoffData === 'string' && m.handoffData.length > 4000) return bad('handoffData is too long')
      return { ok: true, message: { type: 'end', handoffData: m.handoffData as string | undefined } }
    default:
      return bad(`unknown type ${JSON.stringify(m.type)?.slice(0, 40)}`)
  }
}

/** What we send the app. */
export type ServerMessage =
  | { type: 'setup'; sessionId: string; callSid: string; accountSid: string; from: string | null; to: string | null; direction: string; customParameters: Record<string, string> }
  | { type: 'dtmf'; digit: string }
  | { type: 'interrupt'; utteranceUntilInterrupt: string; durationUntilInterruptMs: number }
  | { type: 'prompt'; voicePrompt: string; lang: string; last: boolean }
  | { type: 'error'; description: string }
  | { type: 'speechStarted' }
  | { type: 'speechStopped' }
  | { type: 'played'; text: string }
  | { type: 'audio'; payload: string; timestamp: number }
