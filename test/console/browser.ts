// Debian's chromium driven by puppeteer-core (nothing downloaded): one browser per test file,
// every console message of level error, uncaught exception and failed request kept, so a test can
// expect none; an audio tap on every AudioContext so a test can tell that sound was played.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
/** Screenshots go here (gitignored). */
export const OUTPUT = join(import.meta.dirname, '../../test-output/console')

export interface ConsolePage {
  page: Page
  /** Console errors, page errors and failed requests, one line each. */
  problems: string[]
}

export async function launch(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Sound without a gesture or a sound card: the page's audio runs on a fake output, at real speed.
    args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required', '--disable-gpu', '--mute-audio'],
  })
}

/**
 * Every node the page connects to a destination is also connected to an analyser; window.__loudest()
 * gives the largest sample level it has seen since the last call.
 */
function installAudioTap() {
  const taps = new WeakMap<BaseAudioContext, AnalyserNode>()
  let loudest = 0
  const connect = AudioNode.prototype.connect as (this: AudioNode, ...a: unknown[]) => unknown
  AudioNode.prototype.connect = function (this: AudioNode, ...args: unknown[]) {
    const target = args[0]
    if (target instanceof AudioDestinationNode) {
      let tap = taps.get(this.context)
      if (!tap) {
        tap = this.context.createAnalyser()
        tap.fftSize = 32768 // ~0.7 s at 48 kHz: the polls below see every sample
        taps.set(this.context, tap)
        const buffer = new Float32Array(tap.fftSize)
        const analyser = tap
        setInterval(() => {
          analyser.getFloatTimeDomainData(buffer)
          for (const v of buffer) loudest = Math.max(loudest, Math.abs(v))
        }, 100)
      }
      connect.call(this, tap)
    }
    return connect.apply(this, args)
  } as AudioNode['connect']
  ;(window as unknown as { __loudest: () => number }).__loudest = () => {
    const l = loudest
    loudest = 0
    return l
  }
}

export async function open(browser: Browser): Promise<ConsolePage> {
  const page = await browser.newPage()
  const problems: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`)
  })
  page.on('pageerror', (err) => problems.push(`page error: ${String(err)}`))
  page.on('requestfailed', (r) => {
    // Leaving the calls page aborts its event stream on purpose.
    if (!r.url().endsWith('/v1/calls/events')) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`)
  })
  await page.evaluateOnNewDocument(installAudioTap)
  return { page, problems }
}

/** The loudest sample the page has played since last asked. */
export const loudest = (page: Page) => page.evaluate(() => (window as unknown as { __loudest: () => number }).__loudest())

export const VIEWS = [
  { name: 'desktop-light', width: 1200, height: 900, dark: false },
  { name: 'desktop-dark', width: 1200, height: 900, dark: true },
  { name: 'phone-light', width: 360, height: 780, dark: false },
  { name: 'phone-dark', width: 360, height: 780, dark: true },
]

/** A full-page screenshot of what is shown, in each of VIEWS; back to the first view after. */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(OUTPUT, { recursive: true })
  for (const v of VIEWS) {
    await page.setViewport({ width: v.width, height: v.height })
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: v.dark ? 'dark' : 'light' }])
    await page.screenshot({ path: join(OUTPUT, `${name}-${v.name}.png`), fullPage: true })
  }
  await page.setViewport({ width: VIEWS[0].width, height: VIEWS[0].height })
  await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }])
}
