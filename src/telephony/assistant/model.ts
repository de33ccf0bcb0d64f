// The model behind the built-in assistant, whichever provider serves it: a conversation goes in,
// the reply comes back as it is written (text pieces, a tool it asks for, the tokens it used).
import type { AssistantConfig } from '../../config.js'
import { anthropicModel } from './anthropic.js'
import { openaiModel } from './openai.js'
import type { Provider } from './settings.js'

export interface ChatMessage {
  role: 'user' | 'assistant'
  content: string
}

/** A tool the model may call; none of ours takes arguments. */
export interface ChatTool {
  name: string
  description: string
}

export interface ChatRequest {
  model: string
  system: string
  messages: ChatMessage[]
  tools: ChatTool[]
  maxTokens: number
}

export type ModelEvent =
  | { type: 'text'; text: string }
  | { type: 'tool'; name: string }
  /** Tokens used, as the provider counts them; more than one may come for a reply (they add up). */
  | { type: 'usage'; input: number; output: number }

export interface ChatModel {
  readonly provider: Provider
  /** The reply as it streams; aborting `signal` ends it (the iterator then throws). */
  reply(request: ChatRequest, signal: AbortSignal): AsyncIterable<ModelEvent>
}

/** The providers with a key configured; a number's assistant may only name one of these. */
export function createModels(config: AssistantConfig): Partial<Record<Provider, ChatModel>> {
  return {
    ...(config.openai ? { openai: openaiModel(config.openai) } : {}),
    ...(config.anthropic ? { anthropic: anthropicModel(config.anthropic) } : {}),
  }
}
