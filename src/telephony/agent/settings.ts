// What a number or an outbound call says about its agent: where the app is, what may interrupt
// the speech, and how the caller's voice is detected. Stored and shown exactly as the API took it.

/** What may cut the agent's speech short: ConversationRelay's `interruptible` values. */
export type Interruptible = 'none' | 'dtmf' | 'speech' | 'any'

export interface VadSettings {
  /** WebRTC VAD aggressiveness, 0 (most speech-like) to 3 (least). */
  aggressiveness?: number
  /** Speech this long starts the caller's turn (a barge-in). */
  start_ms?: number
  /** Silence this long ends it. */
  stop_ms?: number
}

export interface AgentSettings {
  /** ws:// or wss:// URL the service opens a socket to when the call's stream starts. */
  url: string
  interruptible?: Interruptible
  /** Spoken as soon as the stream starts, before the agent says anything. */
  welcome_greeting?: string
  /** Send the caller's audio to the agent (`audio` messages). */
  forward_audio?: boolean
  custom_parameters?: Record<string, string>
  vad?: VadSettings
  /** On `end`, the call goes to this TwiML URL (with the agent's handoffData); hung up without it. */
  handoff_url?: string
  /** Said when the agent cannot be reached or its socket drops; AGENT_APOLOGY by default. */
  apology?: string
}

/** Aggressiveness 3: at 2, noise at -40 dBFS after a burst of speech already passes for a voice. */
export const VAD_DEFAULTS: Required<VadSettings> = { aggressiveness: 3, start_ms: 200, stop_ms: 600 }

export const interruptsOn = (i: Interruptible | undefined, source: 'dtmf' | 'speech'): boolean =>
  (i ?? 'any') === 'any' || i === source
