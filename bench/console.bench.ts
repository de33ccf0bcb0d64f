// Issue 14's console figures, in Debian's chromium on loopback, the service in this process:
//  1. From pressing Speak to the first sound in the browser (the page's own figure: the first
//     chunk's arrival plus the time until Web Audio plays it), beside the API's own time to first
//     audio for the same request (its usage row: from the text reaching the socket to the first
//     audio leaving it), p50 and p90 over BENCH_CONSOLE_RUNS sentences. Goal: p50 ≤ 1.5 × + 20 ms.
//  2. The page's own JavaScript and CSS, gzipped as served. Goal: under 100 KB.
// `npm run bench -- console`.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { openDb } from '../src/store/db.js'
import { createKey } from '../src/store/keys.js'
import { loadStaticFiles } from '../src/console/static-files.js'
import { launch, open } from '../test/console/browser.js'
import { figure, ms, percentile } from './stats.js'

const RUNS = Number(process.env.BENCH_CONSOLE_RUNS ?? 20)
const VOICE = 'kal16'
/** Different every run, so no segment is served from a cache. */
const sentence = (n: number) => `Order ${n} is ready for pickup. Thank you for waiting.`

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cw-console-bench-'))
  const db = await openDb({ dataDir })
  const config = loadConfig({ LOG_LEVEL: 'warn', DATA_DIR: 'memory://', CACHE_BYTES: '0', SYNTHESIS_WORKERS: '2' })
  const app = await buildApp(config, { db, logStream: { write: () => {} } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const { key } = await createKey(db, { name: 'bench', scopes: ['tts'], rateLimitPerMinute: 1_000_000, monthlyCharLimit: 1_000_000_000 })
  const browser = await launch()
  try {
    const { page, problems } = await open(browser)
    await page.goto(`${url}/console`)
    await page.type('#signin-key', key)
    await page.click('#signin-form button[type="submit"]')
    await page.waitForSelector(`#voice option[value="${VOICE}"]`)
    await page.select('#voice', VOICE)
    const browserMs: number[] = []
    const apiMs: number[] = []
    for (let n = 0; n <= RUNS; n++) {
      await page.$eval('#speak-text', (el, text) => ((el as HTMLTextAreaElement).value = text), sentence(n))
      await page.click('#speak')
      await page.waitForFunction(() => (document.getElementById('stop') as HTMLButtonElement).disabled, { timeout: 60_000 })
      const { firstSoundMs, requestId } = await page.$eval('#ttfa', (el) => ({ ...(el as HTMLElement).dataset }))
      await app.usage.flush(5000)
      const [row] = await db.query<{ ttfa_ms: number }>('SELECT ttfa_ms FROM usage WHERE request_id LIKE $1', [`${requestId}:%`])
      if (n === 0) continue // the first run warms the page, the socket path and the engine
      browserMs.push(Number(firstSoundMs))
      apiMs.push(Number(row.ttfa_ms))
    }
    if (problems.length) throw new Error(`the page logged problems: ${problems.join('; ')}`)
    const [b50, a50] = [percentile(browserMs, 50), percentile(apiMs, 50)]
    figure('console: Speak to first sound in the browser, p50', ms(b50), `API's own time to first audio p50 ${ms(a50)}, ratio ${(b50 / a50).toFixed(2)}×, +${ms(b50 - a50)}; p90 ${ms(percentile(browserMs, 90))} vs ${ms(percentile(apiMs, 90))}; ${RUNS} sentences, ${VOICE}`,
      '≤ 1.5 × API + 20 ms', b50 <= 1.5 * a50 + 20)
    const files = [...loadStaticFiles()].filter(([path]) => /\.(js|css)$/.test(path))
    const gzip = files.reduce((a, [, f]) => a + f.gzip.length, 0)
    const raw = files.reduce((a, [, f]) => a + f.body.length, 0)
    figure('console: its own JavaScript and CSS, gzipped', `${(gzip / 1024).toFixed(1)} KB`, `${files.length} files, ${(raw / 1024).toFixed(1)} KB before gzip; ${(gzip / 102400 * 100).toFixed(0)}% of the budget`, '< 100 KB', gzip < 102400)
  } finally {
    await browser.close()
    await app.close()
    await db.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

await main()
