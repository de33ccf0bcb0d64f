// Anthropic's Messages API, streamed through the official SDK. ANTHROPIC_BASE_URL points it at any
// server speaking the same API (a gateway, the tests' stand-in).
import Anthropic from '@anthropic-ai/sdk'
import type { MessageParam } from '@anthropic-ai/sdk/resources/messages'
import type { ChatMessage, ChatModel, ModelEvent } from './model.js'

/**
 * Messages as the API takes them: turns alternate and the first is the user's. A call opens with
 * the assistant's greeting, so the call's connecting stands in for that first user turn; turns of
 * one side in a row (a reply the caller cut off before a word was heard) are joined.
 */
function alternating(messages: ChatMessage[]): MessageParam[] {
  const out: MessageParam[] = []
  for (const m of messages) {
    const last = out.at(-1)
    if (last?.role === m.role) last.content = `${last.content as string}\n${m.content}`
    else out.push({ role: m.role, content: m.content })
  }
  if (out[0]?.role === 'assistant') out.unshift({ role: 'user', content: '(The call is connected.)' })
  return out
}

export function anthropicModel(o: { apiKey: string; baseUrl?: string }): ChatModel {
  // No retries: a caller is waiting, and the apology is better than a minute of backoff.
  const client = new Anthropic({ apiKey: o.apiKey, baseURL: o.baseUrl, maxRetries: 0 })
  return {
    provider: 'anthropic',
    async *reply(r, signal): AsyncIterable<ModelEvent> {
      const stream = await client.messages.create({
        model: r.model, system: r.system, messages: alternating(r.messages), max_tokens: r.maxTokens, stream: true,
        ...(r.tools.length ? { tools: r.tools.map((t) => ({ name: t.name, description: t.description, input_schema: { type: 'object' as const, properties: {} } })) } : {}),
      }, { signal })
      for await (const e of stream) {
        if (e.type === 'message_start') yield { type: 'usage', input: e.message.usage.input_tokens, output: 0 }
        else if (e.type === 'content_block_start' && e.content_block.type === 'tool_use') yield { type: 'tool', name: e.content_block.name }
        else if (e.type === 'content_block_delta' && e.delta.type === 'text_delta') yield { type: 'text', text: e.delta.text }
        // The reply's output tokens, counted once it is complete.
        else if (e.type === 'message_delta') yield { type: 'usage', input: 0, output: e.usage.output_tokens }
      }
    },
  }
}
