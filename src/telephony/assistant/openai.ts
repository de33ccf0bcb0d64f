// OpenAI's Chat Completions, streamed through the official SDK. OPENAI_BASE_URL points it at any
// server speaking the same API (a proxy, a compatible local model server, the tests' stand-in).
import OpenAI from 'openai'
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions'
import type { ChatModel, ModelEvent } from './model.js'

export function openaiModel(o: { apiKey: string; baseUrl?: string }): ChatModel {
  // No retries: a caller is waiting, and the apology is better than a minute of backoff.
  const client = new OpenAI({ apiKey: o.apiKey, baseURL: o.baseUrl, maxRetries: 0 })
  return {
    provider: 'openai',
    async *reply(r, signal): AsyncIterable<ModelEvent> {
      const messages: ChatCompletionMessageParam[] = [{ role: 'system', content: r.system }, ...r.messages]
      const tools: ChatCompletionTool[] = r.tools.map((t) => ({
        type: 'function', function: { name: t.name, description: t.description, parameters: { type: 'object', properties: {} } },
      }))
      const stream = await client.chat.completions.create({
        model: r.model, messages, stream: true, stream_options: { include_usage: true }, max_completion_tokens: r.maxTokens,
        ...(tools.length ? { tools } : {}),
      }, { signal })
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta
        if (delta?.content) yield { type: 'text', text: delta.content }
        // A call's name comes once, in its first piece; its (empty) arguments may follow in more.
        for (const call of delta?.tool_calls ?? []) if (call.function?.name) yield { type: 'tool', name: call.function.name }
        if (chunk.usage) yield { type: 'usage', input: chunk.usage.prompt_tokens, output: chunk.usage.completion_tokens }
      }
    },
  }
}
