// What a call session is told when its stream is authorized, and the words its parts share.
import type { VoiceInfo } from '../speech/engine.js'
import type { AgentSettings } from './agent/settings.js'
import type { AssistantSettings } from './assistant/settings.js'
import type { InboundMessage } from './media-stream.js'

/** What a `start` is checked against, and what the call then says. */
export interface CallContext {
  callId: string
  callSid: string
  /** Spoken as soon as the stream starts; null for nothing. */
  text: string | null
  voice: VoiceInfo
  bargeInDigit: string | null
  /** The app that converses with the caller (agent/link.ts), and what its `setup` tells it. */
  agent: AgentSettings | null
  /** Or the built-in assistant that does (assistant/assistant.ts). */
  assistant: AssistantSettings | null
  from: string | null
  to: string | null
  direction: string
}

/** What cut speech short: a key, the API, or the caller's voice. */
export type BargeInSource = 'dtmf' | 'api' | 'speech'

/** Inbound media and key presses of a live call, for whatever converses with the caller. */
export type CallerEvent = Extract<InboundMessage, { event: 'media' | 'dtmf' }>

/** Thrown by `authorize` to refuse a stream (closed with 1008 and this reason). */
export class StreamRefused extends Error {}
