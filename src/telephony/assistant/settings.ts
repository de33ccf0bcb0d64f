// What a number says about its built-in assistant: the model that answers its callers and what it
// is told. Stored and shown exactly as the API took it; the provider's key is the service's own
// (OPENAI_API_KEY, ANTHROPIC_API_KEY) and is never part of it.

export type Provider = 'openai' | 'anthropic'

export interface AssistantSettings {
  provider: Provider
  model: string
  /** The system prompt: who it is, the opening hours, what it may do. */
  instructions: string
  /** Its first words when the call is answered. */
  greeting: string
  /** The voice it speaks in; the number's voice_id when absent. */
  voice_id?: string
  /** Replies it gives before the call is wrapped up (transferred if it can be, else ended). */
  max_turns?: number
  /** E.164 number the model may transfer the caller to, and where a failing model sends them. */
  transfer_to?: string
  /** The caller's language for speech-to-text (a tag such as en-US); the voice's when absent. */
  language?: string
  /** Said when the model fails or stalls; AGENT_APOLOGY by default. */
  apology?: string
}
