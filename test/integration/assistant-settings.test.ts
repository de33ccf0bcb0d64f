// A number's assistant through PUT /v1/numbers/:e164: stored and shown back as given (and no key
// with it), refused with a clear 400 when it could not work on a call: no API key for its
// provider, no speech-to-text to hear the caller, a transfer with no Twilio API to place it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { errorOf, startApp, type TestApp } from '../helpers/app.js'

const ASSISTANT = {
  provider: 'openai',
  model: 'gpt-test',
  instructions: 'You are the receptionist of Bright Smile Dental.',
  greeting: 'Bright Smile Dental, how can I help?',
}

let bare: TestApp
let ready: TestApp

beforeAll(async () => {
  const base = loadConfig({})
  // OpenAI's key only, and nothing to hear the caller with.
  bare = await startApp({ assistant: { ...base.assistant, openai: { apiKey: 'sk-secret-openai' } } })
  // OpenAI's key and speech-to-text, but no Twilio API.
  ready = await startApp({
    assistant: { ...base.assistant, openai: { apiKey: 'sk-secret-openai' } },
    calls: { ...base.calls, stt: { url: 'ws://127.0.0.1:9/v1/listen' } },
  })
})
afterAll(async () => {
  await bare?.close()
  await ready?.close()
})

async function put(app: TestApp, body: unknown, e164 = '+15005550100') {
  const key = await app.key({ scopes: ['admin'] })
  return fetch(`${app.url}/v1/numbers/${e164}`, { method: 'PUT', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify(body) })
}

describe('a number with an assistant', () => {
  it('is refused without its provider\'s key or without speech-to-text, saying which setting is missing', async () => {
    const anthropic = await put(bare, { voice_id: 'kal16', assistant: { ...ASSISTANT, provider: 'anthropic', model: 'claude-test' } })
    expect(anthropic.status).toBe(400)
    expect((await errorOf(anthropic)).message).toContain('ANTHROPIC_API_KEY')
    const deaf = await put(bare, { voice_id: 'kal16', assistant: ASSISTANT })
    expect(deaf.status).toBe(400)
    expect((await errorOf(deaf)).message).toContain('STT_URL')
  })

  it('is stored and shown back as given, with no key anywhere in it', async () => {
    const assistant = { ...ASSISTANT, voice_id: 'slt', max_turns: 12, language: 'en-GB', apology: 'Sorry, one moment.' }
    const res = await put(ready, { assistant })
    expect(res.status).toBe(201)
    const shown = await (await fetch(`${ready.url}/v1/numbers/+15005550100`, { headers: { 'x-api-key': await ready.key({ scopes: ['admin'] }) } })).text()
    expect(JSON.parse(shown)).toMatchObject({ e164: '+15005550100', greeting: null, voice_id: 'slt', agent: null, assistant })
    expect(shown).not.toContain('sk-secret-openai')
  })

  it('refuses what cannot work together, each with a 400 in the error shape', async () => {
    const cases: [unknown, string][] = [
      [{ voice_id: 'kal16', assistant: { ...ASSISTANT, transfer_to: '+15005550199' } }, 'TWILIO_ACCOUNT_SID'],
      [{ voice_id: 'kal16', assistant: ASSISTANT, agent: { url: 'wss://app.example.test/agent' } }, 'not both'],
      [{ voice_id: 'kal16', greeting: 'Hello.', assistant: ASSISTANT }, 'assistant.greeting'],
      [{ voice_id: 'kal16', assistant: { ...ASSISTANT, voice_id: 'slt' } }, 'give the voice once'],
      [{ assistant: ASSISTANT }, 'voice_id is required'],
      [{ voice_id: 'kal16', assistant: { ...ASSISTANT, provider: 'gemini' } }, 'provider'],
      [{ voice_id: 'kal16', assistant: { ...ASSISTANT, transfer_to: '555-0199' } }, 'transfer_to'],
      [{ voice_id: 'kal16', assistant: { ...ASSISTANT, max_turns: 0 } }, 'max_turns'],
      [{ voice_id: 'kal16', assistant: { ...ASSISTANT, greeting: '...' } }, 'assistant.greeting'],
      [{ voice_id: 'kal16', assistant: { ...ASSISTANT, api_key: 'sk-other' } }, 'api_key'],
      [{ voice_id: 'kal16', assistant: { provider: 'openai', model: 'gpt-test', greeting: 'Hi.' } }, 'instructions'],
    ]
    for (const [body, says] of cases) {
      const res = await put(ready, body, '+15005550101')
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect((await errorOf(res)).message, JSON.stringify(body)).toContain(says)
    }
  })
})
