// The console in a real browser (Debian's chromium): sign in, speak text and SSML and hear it, make
// and revoke a key, set a number's greeting and hear it at 8 kHz μ-law, give a number an agent, give one an assistant,
// watch a call from the Twilio stand-in appear and end, read an assistant call's transcript, see the usage chart. A screenshot of every page in light and dark, at desktop
// width and at 360 px, under test-output/console/. No console error on any page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'puppeteer-core'
import { addModelUsage, recordInbound } from '../../src/store/calls.js'
import { getNumber } from '../../src/store/numbers.js'
import { addTranscriptEntry } from '../../src/store/transcripts.js'
import { OUR_NUMBER, callIn, startCallRig, type CallRig } from '../helpers/twilio-app.js'
import { launch, loudest, open, screenshots, type ConsolePage } from './browser.js'

let rig: CallRig
let browser: Browser
let tab: ConsolePage
let page: Page
let admin: string

beforeAll(async () => {
  // An OpenAI key and speech-to-text, so a number may have an assistant (nothing is contacted until a call comes).
  rig = await startCallRig({ env: { OPENAI_API_KEY: 'sk-test', STT_URL: 'ws://127.0.0.1:9/v1/listen' } })
  admin = await rig.key(['admin'])
  browser = await launch()
  tab = await open(browser)
  page = tab.page
})
afterAll(async () => {
  await browser?.close()
  await rig?.close()
})

const url = () => rig.apps[0].url
const text = (selector: string) => page.$eval(selector, (el) => el.textContent ?? '')
const value = (id: string) => page.$eval(`#${id}`, (el) => (el as HTMLInputElement).value)
const verify = (key: string) => fetch(`${url()}/v1/auth/verify`, { headers: { 'x-api-key': key } }).then((r) => r.status)

/** Waits until the page has played sound (the tap saw a sample above -40 dBFS). */
async function heard(): Promise<void> {
  await expect.poll(() => loudest(page), { timeout: 30_000, interval: 50 }).toBeGreaterThan(0.01)
}

async function go(hash: string) {
  await page.evaluate((h) => (location.hash = h), hash)
  await page.waitForSelector(`#page-${hash}:not([hidden])`)
}

describe('the console', () => {
  it('signs in with a key kept in session storage only', async () => {
    await page.goto(`${url()}/console`)
    await page.waitForSelector('#signin-key')
    await screenshots(page, 'signin')
    await page.type('#signin-key', 'cw_live_not-a-key')
    await page.click('#signin-form button[type="submit"]')
    await page.waitForFunction(() => document.getElementById('signin-error')!.textContent !== '')
    expect(await text('#signin-error')).toMatch(/key was not accepted/)
    // The browser itself logs the refused request; that one is expected, and only that one.
    expect(tab.problems).toEqual(['console: Failed to load resource: the server responded with a status of 401 (Unauthorized)'])
    tab.problems.length = 0
    await page.$eval('#signin-key', (el) => ((el as HTMLInputElement).value = ''))
    await page.type('#signin-key', admin)
    await page.keyboard.press('Enter')
    await page.waitForSelector('#page-playground:not([hidden])')
    expect(await page.evaluate(() => [Object.values(sessionStorage), Object.values(localStorage)])).toEqual([[admin], []])
  })

  it('speaks a sentence: sound plays from the first chunk, the words light up, the time to first sound is shown', async () => {
    await page.waitForSelector('#voice option[value="kal16"]')
    await page.select('#voice', 'kal16')
    await page.$eval('#speak-text', (el) => ((el as HTMLTextAreaElement).value = 'Thank you for calling. Your table is ready.'))
    await loudest(page)
    await page.click('#speak')
    await heard()
    await page.waitForSelector('#words span.lit', { timeout: 30_000 })
    const figures = await page.$eval('#ttfa', (el) => ({ ...(el as HTMLElement).dataset }))
    expect(Number(figures.firstSoundMs)).toBeGreaterThan(0)
    expect(figures.requestId).toBeTruthy()
    await page.waitForFunction(() => /\bready\b/.test(document.getElementById('words')!.textContent!), { timeout: 30_000 })
    expect((await page.$$eval('#words span', (s) => s.map((w) => w.textContent))).join(' ')).toBe('Thank you for calling Your table is ready')
    console.log(`playground: first sound after ${figures.firstSoundMs} ms`)
    await page.waitForFunction(() => (document.getElementById('stop') as HTMLButtonElement).disabled, { timeout: 30_000 })
    await screenshots(page, 'playground')
    // As a phone line carries it: 8 kHz μ-law, decoded in the page.
    await page.select('#format', 'mulaw')
    await page.$eval('#speak-text', (el) => ((el as HTMLTextAreaElement).value = 'Press one for sales.'))
    await loudest(page)
    await page.click('#speak')
    await heard()
    await page.waitForFunction(() => (document.getElementById('stop') as HTMLButtonElement).disabled, { timeout: 30_000 })
    await page.select('#format', 'wav')
  })

  it("speaks an SSML document, and shows a bad one's line and column in words", async () => {
    await page.click('input[name="text-type"][value="ssml"]')
    // Switching wraps what was typed in <speak>, escaped.
    expect(await page.$eval('#speak-text', (el) => (el as HTMLTextAreaElement).value)).toBe('<speak>Press one for sales.</speak>')
    expect(await text('#speak-text-label')).toBe('SSML document')
    await page.$eval('#speak-text', (el) => ((el as HTMLTextAreaElement).value = '<speak>Your table is ready.<break time="300ms"/>Please come in.</speak>'))
    await loudest(page)
    await page.click('#speak')
    await heard()
    await page.waitForFunction(() => /\bcome\b/.test(document.getElementById('words')!.textContent!), { timeout: 30_000 })
    await page.waitForFunction(() => (document.getElementById('stop') as HTMLButtonElement).disabled, { timeout: 30_000 })
    expect(await text('#speak-error')).toBe('')
    // Over the socket: the service's Warning, and no audio.
    await page.$eval('#speak-text', (el) => ((el as HTMLTextAreaElement).value = '<speak>Hello <break time="soon"/></speak>'))
    await page.click('#speak')
    await page.waitForFunction(() => document.getElementById('speak-error')!.textContent !== '', { timeout: 30_000 })
    expect(await text('#speak-error')).toMatch(/^Invalid SSML at line 1, column \d+: .*time="soon"/)
    await page.waitForFunction(() => (document.getElementById('stop') as HTMLButtonElement).disabled, { timeout: 30_000 })
    expect(await text('#ttfa')).toBe('No audio came.')
    await screenshots(page, 'playground-ssml')
    // The download asks POST /v1/tts for SSML, and its refusal is shown in words too.
    const sent = page.waitForRequest((r) => r.url().endsWith('/v1/tts'))
    await page.click('#download')
    expect(JSON.parse((await sent).postData()!)).toMatchObject({ text_type: 'ssml', voice_id: 'kal16' })
    await page.waitForFunction(() => /^The request was not valid\./.test(document.getElementById('speak-error')!.textContent!), { timeout: 30_000 })
    expect(await text('#speak-error')).toMatch(/^The request was not valid\. Invalid SSML at line 1, column \d+: .*time="soon"/)
    expect(tab.problems).toEqual(['console: Failed to load resource: the server responded with a status of 400 (Bad Request)'])
    tab.problems.length = 0
    // Back to text: the document's words.
    await page.$eval('#speak-text', (el) => ((el as HTMLTextAreaElement).value = '<speak>Your table is ready.</speak>'))
    await page.click('input[name="text-type"][value="text"]')
    expect(await page.$eval('#speak-text', (el) => (el as HTMLTextAreaElement).value)).toBe('Your table is ready.')
  })

  it('makes a key, shows it once, and revokes it', async () => {
    await go('keys')
    await page.type('#key-name', 'Made in the browser')
    await page.click('input[name="scope"][value="calls"]')
    await page.click('#key-form button[type="submit"]')
    await page.waitForFunction(() => (document.getElementById('key-secret') as HTMLOutputElement).value !== '')
    const made = await page.$eval('#key-secret', (el) => (el as HTMLOutputElement).value)
    expect(await verify(made)).toBe(200)
    await screenshots(page, 'keys')
    const row = await page.waitForSelector('xpath///tr[td[1][text()="Made in the browser"]]')
    const revoke = (await row!.$('button.danger'))!
    await revoke.click()
    expect(await revoke.evaluate((b) => b.textContent)).toMatch(/Really revoke/)
    await revoke.click()
    await page.waitForSelector('xpath///tr[td[1][text()="Made in the browser"]]/td[6][starts-with(text(), "Revoked")]')
    expect(await verify(made)).toBe(401)
  })

  it("sets a number's greeting and plays it as a caller hears it", async () => {
    await go('numbers')
    await page.waitForSelector('#number-voice option[value="kal16"]')
    await page.type('#number-e164', OUR_NUMBER)
    // A greeting with nothing to say: the API's refusal, in words.
    await page.type('#number-greeting', '   ')
    await page.click('#number-form button[type="submit"]')
    await page.waitForFunction(() => document.getElementById('number-error')!.textContent !== '')
    expect(await text('#number-error')).toBe('The request was not valid. greeting has nothing that can be spoken.')
    expect(tab.problems).toEqual([expect.stringMatching(/^console: Failed to load resource: the server responded with a status of 4\d\d/)])
    tab.problems.length = 0
    await page.$eval('#number-greeting', (el) => ((el as HTMLTextAreaElement).value = ''))
    await page.type('#number-greeting', 'Thank you for calling Acme Dental.')
    await page.select('#number-voice', 'kal16')
    await page.select('#number-digit', '#')
    await page.click('#number-form button[type="submit"]')
    await page.waitForSelector(`xpath///td[text()="${OUR_NUMBER}"]`)
    expect(await getNumber(rig.db, OUR_NUMBER)).toMatchObject({ greeting: 'Thank you for calling Acme Dental.', voice: 'kal16', bargeInDigit: '#' })
    await loudest(page)
    await page.click('#number-hear')
    await heard()
    await page.waitForFunction(() => document.getElementById('number-status')!.textContent === 'Played.', { timeout: 30_000 })
    await screenshots(page, 'numbers')
  })

  it('gives a number an agent instead of a greeting, lists it, and reads it back', async () => {
    const e164 = '+15557654321'
    await page.click('#number-new')
    await page.type('#number-e164', e164)
    await page.click('input[name="number-mode"][value="agent"]')
    expect(await page.$eval('#number-greeting-field', (f) => (f as HTMLElement).hidden)).toBe(true)
    await page.type('#agent-url', 'wss://agent.example.com/relay')
    // A welcome greeting that is bad SSML: the API's refusal, in words.
    await page.type('#agent-welcome', '<speak>Hello <break time="soon"/></speak>')
    await page.click('#number-form button[type="submit"]')
    await page.waitForFunction(() => document.getElementById('number-error')!.textContent !== '')
    expect(await text('#number-error')).toMatch(/^The request was not valid\. Invalid SSML at line 1, column \d+: .*time="soon"/)
    expect(tab.problems).toEqual([expect.stringMatching(/^console: Failed to load resource: the server responded with a status of 4\d\d/)])
    tab.problems.length = 0
    await page.$eval('#agent-welcome', (el) => ((el as HTMLTextAreaElement).value = ''))
    await page.type('#agent-welcome', 'Hello, this is the Acme assistant.')
    await page.select('#agent-interruptible', 'speech')
    await page.click('#agent-forward')
    await page.type('#agent-start', '250')
    await page.type('#agent-stop', '800')
    await page.type('#agent-handoff', 'https://agent.example.com/handoff')
    await page.type('#agent-apology', 'Sorry, our assistant is away.')
    await page.type('#agent-params', 'tenant=acme')
    await screenshots(page, 'numbers-agent')
    await page.click('#number-form button[type="submit"]')
    const row = `xpath///tr[td[1][text()="${e164}"]]`
    await page.waitForSelector(`${row}[td[4][text()="wss://agent.example.com/relay"]][td[5][text()="Hello, this is the Acme assistant."]]`)
    expect(await page.$eval(`xpath///tr[td[1][text()="${OUR_NUMBER}"]]/td[4]`, (td) => td.textContent)).toBe('none')
    const agent = {
      url: 'wss://agent.example.com/relay', welcome_greeting: 'Hello, this is the Acme assistant.', interruptible: 'speech', forward_audio: true,
      vad: { start_ms: 250, stop_ms: 800 }, handoff_url: 'https://agent.example.com/handoff', apology: 'Sorry, our assistant is away.', custom_parameters: { tenant: 'acme' },
    }
    expect(await getNumber(rig.db, e164)).toMatchObject({ greeting: null, agent })
    // Read back into the form from the list.
    await page.click('#number-new')
    await page.$eval(`${row}//button[text()="Edit"]`, (b) => (b as HTMLButtonElement).click())
    const form = await page.evaluate(() => {
      const v = (id: string) => (document.getElementById(id) as HTMLInputElement).value
      return {
        mode: (document.querySelector('input[name="number-mode"]:checked') as HTMLInputElement).value, url: v('agent-url'), welcome: v('agent-welcome'),
        interruptible: v('agent-interruptible'), forward: (document.getElementById('agent-forward') as HTMLInputElement).checked,
        start: v('agent-start'), stop: v('agent-stop'), handoff: v('agent-handoff'), apology: v('agent-apology'), params: v('agent-params'),
      }
    })
    expect(form).toEqual({
      mode: 'agent', url: agent.url, welcome: agent.welcome_greeting, interruptible: 'speech', forward: true,
      start: '250', stop: '800', handoff: agent.handoff_url, apology: agent.apology, params: 'tenant=acme',
    })
    await screenshots(page, 'numbers-agent-listed')
  })

  const ASSISTANT_NUMBER = '+15550102030'
  const assistant = {
    provider: 'openai' as const, model: 'gpt-4.1-mini', instructions: 'You answer the phone for Acme Dental. We are open 8 to 5, Monday to Friday.',
    greeting: 'Acme Dental, how can I help?', max_turns: 12, transfer_to: '+15550009999', language: 'en-US', apology: 'Sorry, let me put you through.',
  }

  it('gives a number an assistant, shows a refusal in words, lists it, reads it back and plays its greeting', async () => {
    await page.click('#number-new')
    await page.type('#number-e164', ASSISTANT_NUMBER)
    await page.click('input[name="number-mode"][value="assistant"]')
    expect(await page.$$eval('#number-greeting-field, #number-agent, #number-assistant', (els) => els.map((e) => (e as HTMLElement).hidden))).toEqual([true, true, false])
    // Anthropic has no key on this service: the API's refusal, in words.
    await page.select('#assistant-provider', 'anthropic')
    expect(await page.$eval('#assistant-model', (el) => (el as HTMLInputElement).placeholder)).toBe('claude-haiku-4-5')
    await page.type('#assistant-model', 'claude-haiku-4-5')
    await page.type('#assistant-instructions', assistant.instructions)
    await page.type('#assistant-greeting', assistant.greeting)
    await page.click('#number-form button[type="submit"]')
    await page.waitForFunction(() => document.getElementById('number-error')!.textContent !== '')
    expect(await text('#number-error')).toBe('The request was not valid. assistant.provider anthropic needs ANTHROPIC_API_KEY set on the service.')
    expect(tab.problems).toEqual([expect.stringMatching(/^console: Failed to load resource: the server responded with a status of 400/)])
    tab.problems.length = 0
    expect(await getNumber(rig.db, ASSISTANT_NUMBER)).toBeNull()
    await page.select('#assistant-provider', 'openai')
    await page.$eval('#assistant-model', (el) => ((el as HTMLInputElement).value = ''))
    await page.type('#assistant-model', assistant.model)
    await page.type('#assistant-max-turns', '12')
    await page.type('#assistant-transfer', assistant.transfer_to)
    await page.type('#assistant-language', assistant.language)
    await page.type('#assistant-apology', assistant.apology)
    await screenshots(page, 'numbers-assistant')
    await page.click('#number-form button[type="submit"]')
    const row = `xpath///tr[td[1][text()="${ASSISTANT_NUMBER}"]]`
    await page.waitForSelector(`${row}[td[4][text()="assistant: openai gpt-4.1-mini"]][td[5][text()="${assistant.greeting}"]]`)
    expect(await text('#number-error')).toBe('')
    // The API shows exactly what was typed, and no voice of the assistant's own: the number's is used.
    const res = await fetch(`${url()}/v1/numbers/${encodeURIComponent(ASSISTANT_NUMBER)}`, { headers: { 'x-api-key': admin } })
    expect(await res.json()).toMatchObject({ greeting: null, agent: null, voice_id: 'kal16', assistant })
    expect((await getNumber(rig.db, ASSISTANT_NUMBER))!.assistant).toEqual(assistant)
    // Read back into the form from the list, the assistant's mode chosen.
    await page.click('#number-new')
    await page.$eval(`${row}//button[text()="Edit"]`, (b) => (b as HTMLButtonElement).click())
    const ids = ['assistant-provider', 'assistant-model', 'assistant-instructions', 'assistant-greeting', 'assistant-max-turns', 'assistant-transfer', 'assistant-language', 'assistant-apology']
    const form = await Promise.all(ids.map(value))
    expect(await page.$eval('input[name="number-mode"]:checked', (el) => (el as HTMLInputElement).value)).toBe('assistant')
    expect(form).toEqual(['openai', 'gpt-4.1-mini', assistant.instructions, assistant.greeting, '12', assistant.transfer_to, 'en-US', assistant.apology])
    // Its first words are the assistant's greeting.
    const sent = page.waitForRequest((r) => r.url().endsWith('/v1/tts'))
    await loudest(page)
    await page.click('#number-hear')
    expect(JSON.parse((await sent).postData()!)).toMatchObject({ text: assistant.greeting, format: 'mulaw', sample_rate: 8000 })
    await heard()
    await page.waitForFunction(() => document.getElementById('number-status')!.textContent === 'Played.', { timeout: 30_000 })
    await screenshots(page, 'numbers-assistant-listed')
  })

  it('shows a call from the Twilio stand-in as it starts and speaks, says something else, and ends it', async () => {
    await go('calls')
    await page.waitForFunction(() => /^Connected/.test(document.getElementById('calls-connection')!.textContent!))
    const { callSid, stream } = await callIn(rig.apps[0])
    const row = `xpath///tr[td[1]/small[text()="${callSid}"]]`
    await page.waitForSelector(`${row}[td[2][text()="in-progress"]]`, { timeout: 30_000 })
    await page.waitForSelector(`${row}[td[3][starts-with(text(), "Saying “")]]`, { timeout: 30_000 })
    await screenshots(page, 'calls')
    // Say something else in its place, from the row's Say form.
    await page.$eval(`${row}//button[text()="Say"]`, (b) => (b as HTMLButtonElement).click())
    await page.waitForSelector('#say-form:not([hidden])')
    await page.type('#say-text', 'Please hold for a moment.')
    await page.click('#say-interrupt')
    await page.keyboard.press('Enter')
    await page.waitForSelector(`${row}[td[3][text()="Saying “Please hold for a moment.”"]]`, { timeout: 30_000 })
    expect(await page.$eval('#say-form', (f) => (f as HTMLFormElement).hidden)).toBe(true)
    await page.$eval(`${row}//button[text()="Hang up"]`, (b) => (b as HTMLButtonElement).click())
    await page.waitForSelector(`${row}[td[2][text()="completed"]]`, { timeout: 30_000 })
    expect(await text(`#calls-table tr[data-status="completed"] td:nth-child(3)`)).toBe('ended')
    stream.close()
  })

  it("shows an assistant call's model tokens and its transcript, a reply the caller cut off marked so", async () => {
    const callSid = `CA${'a1'.repeat(16)}`
    const call = await recordInbound(rig.db, {
      callSid, direction: 'inbound', from: '+15550001111', to: ASSISTANT_NUMBER, status: 'completed', text: null, voice: 'kal16', bargeInDigit: null, assistant,
    })
    await addModelUsage(rig.db, call.id, 1234, 56)
    const at = (s: number) => new Date(Date.UTC(2025, 0, 6, 9, 0, s))
    await addTranscriptEntry(rig.db, call.id, { speaker: 'agent', text: assistant.greeting, heard: assistant.greeting, outcome: 'played', at: at(0) })
    await addTranscriptEntry(rig.db, call.id, { speaker: 'caller', text: 'Are you open on Saturday?', at: at(3) })
    await addTranscriptEntry(rig.db, call.id, {
      speaker: 'agent', text: 'We are closed on Saturdays, but on weekdays we open at eight and close at five.', heard: 'We are closed on Saturdays,', outcome: 'interrupted', at: at(5),
    })
    await addTranscriptEntry(rig.db, call.id, { speaker: 'caller', text: 'Thanks, bye.', at: at(7) })
    const row = `xpath///tr[td[1]/small[text()="${callSid}"]]`
    await page.waitForSelector(`${row}[td[2][text()="completed"]]`, { timeout: 30_000 })
    expect(await page.$eval(`${row}/td[1]/small[2]`, (s) => s.textContent)).toBe('Assistant: openai gpt-4.1-mini · Model tokens: 1,234 in, 56 out')
    // The call from the stand-in has neither agent nor assistant: nothing to read.
    expect(await page.$$eval('#calls-table tbody tr', (trs) => trs.map((tr) => tr.querySelector('button') ? tr.querySelector('button')!.textContent : null)))
      .toEqual(['Transcript', null])
    await page.$eval(`${row}//button[text()="Transcript"]`, (b) => (b as HTMLButtonElement).click())
    await page.waitForSelector('#transcript:not([hidden]) #transcript-turns li')
    expect(await text('#transcript-title')).toBe('Transcript: From +15550001111')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('transcript-title')
    expect(await text('#transcript-tokens')).toBe('Model tokens: 1,234 in, 56 out')
    const turns = await page.$$eval('#transcript-turns > li', (lis) => lis.map((li) => ({
      said: [...li.childNodes].filter((n) => n.nodeName !== 'DETAILS').map((n) => n.textContent).join(''),
      full: li.querySelector('details')?.textContent ?? null,
      open: li.querySelector('details')?.open ?? null,
    })))
    expect(turns).toEqual([
      { said: `Agent: ${assistant.greeting}`, full: null, open: null },
      { said: 'Caller: Are you open on Saturday?', full: null, open: null },
      { said: 'Agent: We are closed on Saturdays, — cut off', full: 'What it would have said' + 'We are closed on Saturdays, but on weekdays we open at eight and close at five.', open: false },
      { said: 'Caller: Thanks, bye.', full: null, open: null },
    ])
    await page.click('#transcript-turns details summary')
    await screenshots(page, 'calls-transcript')
    await page.click('#transcript-close')
    expect(await page.$eval('#transcript', (s) => (s as HTMLElement).hidden)).toBe(true)
  })

  it("charts this month's usage by day, for any key", async () => {
    // From the keyboard: the nav link, Enter, and focus lands on the page's heading.
    await page.focus('#nav a[data-page="usage"]')
    await page.keyboard.press('Enter')
    await page.waitForSelector('#page-usage:not([hidden])')
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Usage')
    await page.waitForSelector('#usage-chart rect')
    expect(await text('#usage-summary')).toMatch(/\d+ requests/)
    await page.select('#usage-measure', 'audio_seconds')
    await page.waitForFunction(() => /audio \(seconds\) by day/.test(document.getElementById('usage-summary')!.textContent!))
    await screenshots(page, 'usage')
  })

  it('signs out (the key leaves the tab), and shows a tts key only the pages it may use', async () => {
    await page.waitForSelector('#usage-chart rect')
    await page.click('#sign-out')
    await page.waitForSelector('#page-signin:not([hidden])')
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0)
    await page.type('#signin-key', await rig.key(['tts']))
    await page.keyboard.press('Enter')
    // Back on the page it was on (#usage), which a tts key may see.
    await page.waitForSelector('#page-usage:not([hidden]) #usage-chart rect')
    expect(await page.$$eval('#nav a:not([hidden])', (links) => links.map((a) => a.textContent))).toEqual(['Playground', 'Usage'])
    await page.evaluate(() => (location.hash = 'keys'))
    await page.waitForSelector('#page-playground:not([hidden])')
    expect(await page.$eval('#usage-key-field', (f) => (f as HTMLElement).hidden)).toBe(true)
  })

  it('labels every control', async () => {
    const unlabelled = await page.$$eval('input, select, textarea, button', (els) =>
      els.filter((el) => !((el as HTMLInputElement).labels?.length || el.getAttribute('aria-label') || (el.tagName === 'BUTTON' && el.textContent!.trim())))
        .map((el) => el.outerHTML.slice(0, 80)))
    expect(unlabelled).toEqual([])
  })

  it('logged no console error, page error or failed request on any page', () => {
    expect(tab.problems).toEqual([])
  })
})
