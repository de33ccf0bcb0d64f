// deploy/: Prometheus's configuration, the alert rules and the Grafana dashboard and provisioning.
// They parse; every metric they name is one the service registers; the dashboard shows the
// original product's key figures; and where promtool is installed (Debian's `prometheus`), the
// configuration, the rules, their unit tests (deploy/alerts.test.yml) and every dashboard query
// are checked by Prometheus's own parser.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse, stringify } from 'yaml'

const ROOT = join(import.meta.dirname, '..', '..')
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8')

/**
 * The metrics the dashboard and the alerts may name: the original product's, plus the telephony
 * and synthesis figures this service adds, plus Prometheus's own `up`. Each (but `up`) must be
 * registered by the service.
 */
const METRICS = [
  'http_requests_total',
  'tts_generation_duration_seconds',
  'api_key_rate_limit_exceeded_total',
  'system_cpu_percent',
  'system_memory_percent',
  'tts_model_loaded',
  'tts_time_to_first_audio_seconds',
  'tts_active_calls',
  'tts_call_frames_sent_total',
  'tts_synthesis_queue_depth',
  'usage_records_dropped_total',
  'tts_assistant_replies_total',
  'tts_predicted_load',
  'tts_live_consumers',
  'tts_admission_refused_total',
  'tts_assistant_tokens_total',
]
const HISTOGRAMS = ['tts_generation_duration_seconds', 'tts_time_to_first_audio_seconds']

/** The dashboard must show each of these (the list of key metrics). */
const ON_DASHBOARD = METRICS.filter((m) => m !== 'usage_records_dropped_total')

const PROMQL_WORDS = new Set([
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'and', 'or', 'unless', 'inf', 'nan',
])

/** Metric names in a PromQL expression (label matchers, strings, ranges and grouping lists removed). */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
  const names = [...stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)]
    .filter((m) => !/^\s*\(/.test(stripped.slice(m.index + m[0].length))) // a function, not a metric
    .map((m) => m[0])
    .filter((w) => !PROMQL_WORDS.has(w.toLowerCase()))
  return [...new Set(names)].map((n) => {
    const base = n.replace(/_(bucket|sum|count)$/, '')
    return HISTOGRAMS.includes(base) ? base : n
  })
}

interface Rule { alert: string; expr: string; for?: string; labels: { severity: string }; annotations: { summary: string } }
const alerts = parse(read('deploy/alerts.yml')) as { groups: { name: string; rules: Rule[] }[] }
const rules = alerts.groups.flatMap((g) => g.rules)

interface Panel { title: string; type: string; datasource: { uid: string }; targets: { expr: string; datasource: { uid: string } }[]; gridPos: { x: number; y: number; w: number; h: number } }
const dashboardFiles = readdirSync(join(ROOT, 'deploy/grafana/dashboards')).filter((f) => f.endsWith('.json'))
const dashboards = dashboardFiles.map((f) => JSON.parse(read(`deploy/grafana/dashboards/${f}`)) as { uid: string; title: string; panels: Panel[]; templating: { list: { name: string; query: { query: string } }[] } })
const panels = dashboards.flatMap((d) => d.panels)
const dashboardExprs = panels.flatMap((p) => p.targets.map((t) => t.expr))

/** Grafana's variables, as a query would see them: every instance, a 1-minute rate window. */
const asPromql = (expr: string) => expr.replaceAll('$__rate_interval', '1m').replaceAll('$instance', '.*')

describe('the metrics named in deploy/', () => {
  it('are all registered by the service', () => {
    const source = readdirSync(join(ROOT, 'src'), { recursive: true })
      .filter((f) => String(f).endsWith('.ts'))
      .map((f) => readFileSync(join(ROOT, 'src', String(f)), 'utf8'))
      .join('\n')
    for (const m of METRICS) expect(source, m).toContain(`name: '${m}'`)
  })

  it('are only those, in every alert and every dashboard query', () => {
    const allowed = new Set([...METRICS, 'up'])
    for (const r of rules) expect(metricNames(r.expr).filter((n) => !allowed.has(n)), r.alert).toEqual([])
    for (const e of dashboardExprs) expect(metricNames(asPromql(e)).filter((n) => !allowed.has(n)), e).toEqual([])
    // The extractor itself: names inside matchers, strings and grouping lists are not metrics.
    expect(metricNames('sum by (le, instance) (rate(tts_generation_duration_seconds_bucket{job="tts", status=~"5.."}[5m])) / on(instance) up'))
      .toEqual(['tts_generation_duration_seconds', 'up'])
  })
})

describe('deploy/prometheus.yml', () => {
  const config = parse(read('deploy/prometheus.yml')) as {
    rule_files: string[]
    scrape_configs: { job_name: string; metrics_path?: string; dns_sd_configs?: { names: string[]; port: number }[] }[]
  }

  it('scrapes every instance of the service at tts:8004/metrics', () => {
    const job = config.scrape_configs.find((j) => j.job_name === 'tts')!
    expect(job.metrics_path ?? '/metrics').toBe('/metrics')
    expect(job.dns_sd_configs).toEqual([expect.objectContaining({ names: ['tts'], port: 8004 })])
  })

  it('loads the alert rules from where docker-compose.yml mounts them', () => {
    const compose = read('docker-compose.yml')
    for (const file of config.rule_files) expect(compose).toContain(`./deploy/alerts.yml:${file}:ro`)
  })
})

describe('deploy/alerts.yml', () => {
  it('alerts on 5xx rate, p95 generation time, rate-limit spikes, no voice loaded and an instance down', () => {
    const by = (pattern: RegExp) => rules.filter((r) => pattern.test(r.expr.replace(/\s+/g, ' ')))
    expect(by(/http_requests_total\{[^}]*status=~"5\.\."/)).not.toHaveLength(0)
    expect(by(/histogram_quantile\(0\.95, .*tts_generation_duration_seconds_bucket/)).not.toHaveLength(0)
    expect(by(/api_key_rate_limit_exceeded_total/)).not.toHaveLength(0)
    expect(by(/tts_model_loaded.*== 0/)).not.toHaveLength(0)
    expect(by(/^up\{job="tts"\} == 0$/)).not.toHaveLength(0)
  })

  it('gives every rule a severity and a summary, and unique names', () => {
    for (const r of rules) {
      expect(['critical', 'warning'], r.alert).toContain(r.labels.severity)
      expect(r.annotations.summary, r.alert).toBeTruthy()
    }
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length)
  })
})

describe('Grafana', () => {
  const datasource = parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as { datasources: { uid: string; url: string; type: string }[] }
  const provider = parse(read('deploy/grafana/provisioning/dashboards/callwaiting.yml')) as { providers: { options: { path: string } }[] }

  it('provisions the Prometheus datasource the dashboard refers to, and the folder docker-compose.yml mounts', () => {
    expect(datasource.datasources).toEqual([expect.objectContaining({ uid: 'prometheus', type: 'prometheus', url: 'http://prometheus:9090' })])
    for (const p of panels) {
      expect(p.datasource.uid, p.title).toBe('prometheus')
      for (const t of p.targets) expect(t.datasource.uid, p.title).toBe('prometheus')
    }
    expect(read('docker-compose.yml')).toContain(`./deploy/grafana/dashboards:${provider.providers[0].options.path}:ro`)
  })

  it('shows every key metric, p50 and p95 of generation time, and requests by status', () => {
    for (const m of ON_DASHBOARD) expect(dashboardExprs.some((e) => metricNames(asPromql(e)).includes(m)), m).toBe(true)
    const gen = dashboardExprs.filter((e) => e.includes('tts_generation_duration_seconds_bucket'))
    expect(gen.some((e) => e.startsWith('histogram_quantile(0.5,'))).toBe(true)
    expect(gen.some((e) => e.startsWith('histogram_quantile(0.95,'))).toBe(true)
    expect(dashboardExprs.some((e) => /sum by \(status\) \(rate\(http_requests_total/.test(e))).toBe(true)
  })

  it('lays panels out without overlap, on Grafana\'s 24-column grid', () => {
    const cells = new Set<string>()
    for (const { title, gridPos: g } of panels) {
      expect(g.x + g.w, title).toBeLessThanOrEqual(24)
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          expect(cells.has(`${x},${y}`), `${title} overlaps at ${x},${y}`).toBe(false)
          cells.add(`${x},${y}`)
        }
      }
    }
    expect(new Set(dashboards.map((d) => d.uid)).size).toBe(dashboards.length)
  })
})

const hasPromtool = spawnSync('promtool', ['--version']).status === 0
// Elsewhere a machine without promtool skips these; CI (.ci/run installs Debian's prometheus) runs them.
describe.runIf(hasPromtool || process.env.CI === 'true')('promtool', () => {
  let dir: string
  beforeAll(() => {
    expect(hasPromtool, 'promtool must be installed (apt-get install prometheus)').toBe(true)
    dir = mkdtempSync(join(tmpdir(), 'cw-prom-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const promtool = (...args: string[]) => spawnSync('promtool', args, { encoding: 'utf8', timeout: 60_000 })

  it('accepts prometheus.yml and the rules', () => {
    // The rule file at the path the config names in the container, made relative to here.
    writeFileSync(join(dir, 'prometheus.yml'), read('deploy/prometheus.yml').replaceAll('/etc/prometheus/alerts.yml', 'alerts.yml'))
    writeFileSync(join(dir, 'alerts.yml'), read('deploy/alerts.yml'))
    const config = promtool('check', 'config', join(dir, 'prometheus.yml'))
    expect(config.status, config.stdout + config.stderr).toBe(0)
    const check = promtool('check', 'rules', join(ROOT, 'deploy/alerts.yml'))
    expect(check.status, check.stdout + check.stderr).toBe(0)
  })

  it('passes the alert rules\' unit tests (deploy/alerts.test.yml)', () => {
    const run = promtool('test', 'rules', join(ROOT, 'deploy/alerts.test.yml'))
    expect(run.status, run.stdout + run.stderr).toBe(0)
  })

  it('parses every dashboard query', () => {
    // As recording rules, which promtool parses with Prometheus's own PromQL parser.
    const asRules = { groups: [{ name: 'dashboard', rules: dashboardExprs.map((e, i) => ({ record: `dashboard:query_${i}`, expr: asPromql(e) })) }] }
    writeFileSync(join(dir, 'dashboard-rules.yml'), stringify(asRules))
    const run = promtool('check', 'rules', join(dir, 'dashboard-rules.yml'))
    expect(run.status, run.stdout + run.stderr).toBe(0)
  })
})
