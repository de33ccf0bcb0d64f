// docker-compose.yml, deploy/compose.gpu.yml, .env.example, the Dockerfiles and .dockerignore, read
// the way Docker would read them (no Docker engine here): the services and their order of start,
// what reaches the service's environment (and that config.ts accepts it), and that every file
// they name exists. `docker compose config` runs too where the Compose v2 plugin is installed.
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { loadConfig } from '../../src/config.js'

const ROOT = join(import.meta.dirname, '..', '..')
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8')

interface Service {
  image?: string
  build?: { context: string; dockerfile: string }
  profiles?: string[]
  command?: string[]
  environment?: Record<string, string>
  env_file?: string | string[]
  entrypoint?: string[]
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test: string[]; start_period?: string }
  logging?: { driver: string; options: Record<string, string> }
  ports?: string[]
  volumes?: string[]
  mem_limit?: string
  stop_grace_period?: string
  deploy?: { resources?: { reservations?: { devices?: { driver: string; count: number | string; capabilities: string[] }[] } } }
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> }
const gpu = parse(read('deploy/compose.gpu.yml')) as { services: Record<string, Service> }
const { services } = compose

/** KEY=VALUE lines of an env file, as compose reads them (comments and blank lines skipped). */
function envFile(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim())
    if (m) out[m[1]] = m[2].replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1')
  }
  return out
}

/** Names .env.example mentions, set or commented out (`# NAME=...`). */
function documented(text: string): Set<string> {
  return new Set([...text.matchAll(/^(?:# )?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]))
}

/** Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, and $$ for a literal $. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (whole, name?: string, op?: string, arg?: string) => {
    if (whole === '$$') return '$'
    const v = vars[name!]
    if (op === ':-') return v ? v : arg!
    if (op === '-') return v ?? arg!
    if (op === ':?' && !v) throw new Error(arg)
    return v ?? ''
  })
}

/** Every ${NAME...} a compose file interpolates. */
const interpolated = (text: string) => new Set([...text.replace(/\$\$/g, '').matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]))

const example = read('.env.example')

describe('docker-compose.yml', () => {
  it('runs postgres, redis and the service by default; nginx + certbot and prometheus + grafana under profiles', () => {
    const byProfile = (p?: string) => Object.keys(services).filter((s) => (services[s].profiles?.[0]) === p).sort()
    expect(byProfile(undefined)).toEqual(['postgres', 'redis', 'tts'])
    expect(byProfile('production')).toEqual(['certbot', 'nginx'])
    expect(byProfile('monitoring')).toEqual(['grafana', 'prometheus'])
  })

  it('starts the service only once PostgreSQL and Redis are healthy, and nginx once the service is', () => {
    expect(services.tts.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } })
    expect(services.nginx.depends_on).toEqual({ tts: { condition: 'service_healthy' } })
    for (const name of ['postgres', 'redis', 'tts', 'nginx']) expect(services[name].healthcheck?.test.join(' '), name).toBeTruthy()
    expect(services.postgres.healthcheck!.test.join(' ')).toContain('pg_isready')
    expect(services.tts.healthcheck!.test.join(' ')).toContain('/health')
  })

  it('rotates every container\'s log at 100 MB, ten files', () => {
    for (const [name, s] of Object.entries(services)) {
      expect(s.logging, name).toEqual({ driver: 'json-file', options: { 'max-size': '100m', 'max-file': '10' } })
    }
  })

  it('bounds Redis\'s memory and never evicts (the rl:* counters carry TTLs, so any volatile policy would pick them)', () => {
    const cmd = services.redis.command!.map((a) => interpolate(a, {}))
    const arg = (flag: string) => cmd[cmd.indexOf(flag) + 1]
    expect(arg('--maxmemory-policy')).toBe('noeviction')
    expect(arg('--maxmemory')).toMatch(/^\d+(mb|gb)$/)
    expect(services.redis.mem_limit).toBeTruthy()
  })

  it('builds the service from Dockerfile.${RUNTIME:-cpu}, and the GPU override reserves an NVIDIA GPU', () => {
    expect(services.tts.build).toEqual({ context: '.', dockerfile: 'Dockerfile.${RUNTIME:-cpu}' })
    expect(interpolate(services.tts.build!.dockerfile, {})).toBe('Dockerfile.cpu')
    expect(interpolate(services.tts.build!.dockerfile, { RUNTIME: 'gpu' })).toBe('Dockerfile.gpu')
    const tts = gpu.services.tts
    expect(tts.build!.dockerfile).toBe('Dockerfile.gpu')
    expect(tts.environment!.TTS_DEVICE).toBe('cuda')
    expect(tts.deploy!.resources!.reservations!.devices).toEqual([{ driver: 'nvidia', count: 1, capabilities: ['gpu'] }])
  })

  it('gives the service longer than its drain deadline to stop', () => {
    const grace = interpolate(services.tts.stop_grace_period!, {})
    const seconds = Number(/^(\d+)s$/.exec(grace)?.[1])
    const drain = loadConfig({}).drainTimeoutMs / 1000
    expect(seconds).toBeGreaterThan(drain + 5)
  })

  it('publishes PostgreSQL, Redis, the service, Prometheus and Grafana on loopback only', () => {
    for (const name of ['postgres', 'redis', 'tts', 'prometheus', 'grafana']) {
      for (const port of services[name].ports ?? []) expect(interpolate(port, {}), name).toMatch(/^127\.0\.0\.1:/)
    }
  })

  it('mounts only files that exist in the repository', () => {
    for (const file of ['docker-compose.yml', 'deploy/compose.gpu.yml']) {
      const s = (parse(read(file), { merge: true }) as { services: Record<string, Service> }).services
      for (const [name, service] of Object.entries(s)) {
        for (const volume of service.volumes ?? []) {
          const source = volume.split(':')[0]
          if (!source.startsWith('.')) {
            expect(compose.volumes, `${name}: named volume ${source}`).toHaveProperty(source)
            continue
          }
          expect(existsSync(join(ROOT, source)), `${name}: ${source}`).toBe(true)
        }
      }
    }
    // Scripts the nginx image runs must be executable where they are mounted from.
    expect(statSync(join(ROOT, 'nginx/entrypoint.sh')).mode & 0o111).not.toBe(0)
  })

  it('passes the nginx template exactly the variables it uses, and nothing else is substituted', () => {
    const template = read('nginx/templates/default.conf.template')
    const used = new Set([...template.matchAll(/\$\{([A-Z_][A-Z0-9_]*)\}/g)].map((m) => m[1]))
    const env = services.nginx.environment!
    const filter = new RegExp(interpolate(env.NGINX_ENVSUBST_FILTER, {}))
    const given = Object.keys(env).filter((k) => filter.test(k))
    expect(given.sort()).toEqual([...used].sort())
    expect(filter.test('HOSTNAME')).toBe(false)
  })
})

describe('.env.example', () => {
  it('documents every variable src/config.ts reads', () => {
    const source = read('src/config.ts')
    const read_ = new Set([...source.matchAll(/\benv(?:\.([A-Z][A-Z0-9_]*)|\[['"]([A-Z][A-Z0-9_]*)['"]\]|, '([A-Z][A-Z0-9_]*)')/g)].map((m) => m[1] ?? m[2] ?? m[3]))
    expect(read_.size).toBeGreaterThan(20)
    const missing = [...read_].filter((v) => !documented(example).has(v))
    expect(missing, 'add these to .env.example, each with a comment').toEqual([])
  })

  it('documents every variable the compose files interpolate', () => {
    const names = new Set([...interpolated(read('docker-compose.yml')), ...interpolated(read('deploy/compose.gpu.yml'))])
    const missing = [...names].filter((v) => !documented(example).has(v))
    expect(missing).toEqual([])
  })

  it('has a comment above every setting', () => {
    const lines = example.split('\n')
    lines.forEach((line, i) => {
      if (/^(# )?[A-Z][A-Z0-9_]*=/.test(line)) {
        // The nearest line above that is not itself a setting is a comment.
        let j = i - 1
        while (j >= 0 && /^(# )?[A-Z][A-Z0-9_]*=/.test(lines[j])) j--
        expect(lines[j]?.startsWith('# '), `no comment above line ${i + 1}: ${line}`).toBe(true)
      }
    })
  })

  // .env as an operator fills it in: the example refuses to start until the passwords are set.
  const filled: Record<string, string> = { ...envFile(example), POSTGRES_PASSWORD: 'f00dcafe', GRAFANA_ADMIN_PASSWORD: 'c0ffee' }
  const environment = (vars: Record<string, string>) =>
    Object.fromEntries(Object.entries(services.tts.environment!).map(([k, v]) => [k, interpolate(String(v), vars)]))

  it('is accepted by config.ts as the service sees it in Docker: the compose environment, interpolated from .env', () => {
    const config = loadConfig(environment(filled))
    expect(config.port).toBe(8004)
    expect(config.host).toBe('0.0.0.0')
    expect(config.databaseUrl).toBe(`postgres://${filled.POSTGRES_USER}:${filled.POSTGRES_PASSWORD}@postgres:5432/${filled.POSTGRES_DB}`)
    expect(config.redisUrl).toBe('redis://redis:6379')
    expect(config.trustProxy).toEqual(['loopback', 'uniquelocal'])
    expect(config.ttsDevice).toBe('cpu')
    expect(config.modelsDir).toBe('/app/models')
    expect(config.environment).toBe(filled.ENVIRONMENT)
    // ... and with the GPU override on top.
    const withGpu = loadConfig({ ...environment(filled), ...gpu.services.tts.environment })
    expect(withGpu.ttsDevice).toBe('cuda')
    // Outside Docker (npm start with these variables exported), the same file points at the host.
    expect(loadConfig(filled).databaseUrl).toContain('@127.0.0.1:5432/')
  })

  it('hands the service the settings it reads, and none of the other secrets in .env', () => {
    expect(services.tts.env_file).toBeUndefined()
    const source = read('src/config.ts')
    const reads = new Set([...source.matchAll(/\benv(?:\.([A-Z][A-Z0-9_]*)|\[['"]([A-Z][A-Z0-9_]*)['"]\]|, '([A-Z][A-Z0-9_]*)')/g)].map((m) => m[1] ?? m[2] ?? m[3]))
    reads.delete('PORT') // CHATTERBOX_PORT is pinned, and wins
    expect(Object.keys(services.tts.environment!).sort()).toEqual([...reads].sort())
    const passed = Object.values(environment(filled))
    for (const secret of [filled.GRAFANA_ADMIN_PASSWORD, filled.CERTBOT_EMAIL]) expect(passed).not.toContain(secret)
  })

  it('refuses to start PostgreSQL or Grafana with no password or a placeholder', () => {
    expect(() => interpolate(services.postgres.environment!.POSTGRES_PASSWORD, envFile(example))).toThrow(/set POSTGRES_PASSWORD in \.env/)
    // The entrypoints' guard, run by sh as the container would: refused (1), or on to the image's own start (127 here).
    const guard = (service: Service, variable: string, value: string) => {
      const script = interpolate(service.entrypoint![2], {})
      return spawnSync('/bin/sh', ['-c', script], { env: { PATH: '/usr/bin:/bin', [variable]: value }, encoding: 'utf8' })
    }
    for (const [service, variable, bad] of [[services.postgres, 'POSTGRES_PASSWORD', ['change-me', 'changeme123']], [services.grafana, 'GF_SECURITY_ADMIN_PASSWORD', ['', 'admin', 'change-me-too']]] as const) {
      for (const value of bad) {
        const run = guard(service, variable, value)
        expect(run.status, `${variable}=${value}`).toBe(1)
        expect(run.stderr).toMatch(/_PASSWORD/)
      }
      expect(guard(service, variable, 'f00dcafe').status).toBe(127)
    }
  })

  it('can be loaded by a shell (set -a && . ./.env) with every commented setting turned on, to the same values compose reads', () => {
    const all = example.replace(/^# ([A-Z][A-Z0-9_]*=)/gm, '$1')
    const dir = mkdtempSync(join(tmpdir(), 'cw-env-'))
    try {
      const file = join(dir, '.env')
      writeFileSync(file, all)
      const run = spawnSync('/bin/sh', ['-c', `set -a && . ${file} && set +a && env -0`], { env: {}, encoding: 'utf8' })
      expect(run.stderr).toBe('')
      const shell = Object.fromEntries(run.stdout.split('\0').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
      for (const [k, v] of Object.entries(envFile(all))) expect(shell[k], k).toBe(v)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('is ignored by git and kept out of the image, unlike .env.example', () => {
    expect(read('.gitignore').split('\n')).toContain('.env')
    const ignored = read('.dockerignore').split('\n')
    expect(ignored).toContain('.env')
    expect(ignored).toContain('.env.*')
  })
})

describe('Dockerfiles', () => {
  const stages = (file: string) => read(file).split(/^FROM /m).slice(1)
  const copied = (file: string) =>
    [...read(file).matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(/\s+/))

  for (const file of ['Dockerfile.cpu', 'Dockerfile.gpu']) {
    it(`${file}: compiles src/ in a build stage with every dependency`, () => {
      const build = stages(file).find((stage) => /^\S+ AS build$/m.test(stage))!
      expect(build, 'a stage named build').toBeTruthy()
      expect(build).toMatch(/^RUN .*npm ci(?! --omit)/m)
      expect(build).toMatch(/^COPY tsconfig\.json tsconfig\.build\.json \.\/$/m)
      expect(build).toMatch(/^COPY src \.\/src$/m)
      expect(build).toMatch(/^RUN npm run build$/m)
      // npm run build is tsc over tsconfig.build.json, which writes dist/src/: what the runtime copies.
      const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> }
      expect(pkg.scripts.build).toBe('tsc -p tsconfig.build.json')
      expect(JSON.parse(read('tsconfig.build.json')).include).toEqual(['src'])
      expect(JSON.parse(read('tsconfig.json')).compilerOptions).toMatchObject({ outDir: 'dist', rootDir: '.' })
    })

    it(`${file}: runs the compiled service with production dependencies only, as a non-root user, node as PID 1`, () => {
      const final = stages(file).at(-1)!
      expect(final).toMatch(/npm ci --omit=dev/)
      expect(final).toMatch(/^COPY --from=build \/app\/dist\/src \.\/dist\/src$/m)
      expect(final).toMatch(/^COPY schema \.\/schema$/m)
      expect(final).toMatch(/^COPY web \.\/web$/m)
      // No TypeScript in the image: neither the sources nor tsx.
      expect(final).not.toMatch(/^COPY src /m)
      expect(final).not.toMatch(/tsx/)
      expect(final).toMatch(/^USER tts$/m)
      expect(final).toMatch(/^HEALTHCHECK .*\n?.*\/health/m)
      expect(final).toMatch(/^EXPOSE 8004$/m)
      const cmd = /^CMD (\[.*\])$/m.exec(final)?.[1]
      expect(JSON.parse(cmd!)).toEqual(['node', 'dist/src/main.js'])
      // The same entry and malloc setting as npm start, and tsx is only for development (npm run
      // say/keys/voices, tests).
      const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; dependencies: Record<string, string> }
      const arenas = /MALLOC_ARENA_MAX=\$\{MALLOC_ARENA_MAX:-(\d+)\} exec node dist\/src\/main\.js$/.exec(pkg.scripts.start)?.[1]
      expect(arenas).toBeTruthy()
      expect(final).toMatch(new RegExp(`^ {4}MALLOC_ARENA_MAX=${arenas} \\\\$`, 'm'))
      expect(pkg.dependencies).not.toHaveProperty('tsx')
      expect(pkg.dependencies).not.toHaveProperty('typescript')
    })

    it(`${file}: bakes the voices named in the PIPER_VOICES build argument with npm run voices`, () => {
      const final = stages(file).at(-1)!
      expect(final).toMatch(/^ARG PIPER_VOICES=""$/m)
      expect(final).toMatch(/^ARG PIPER_VOICES_URL=""$/m)
      // After the compiled code is copied in, before the image drops to the unprivileged user.
      const bake = final.indexOf('node dist/src/cli/voices.js add $PIPER_VOICES')
      expect(bake).toBeGreaterThan(final.indexOf('COPY --from=build'))
      expect(bake).toBeLessThan(final.indexOf('USER tts'))
      expect(final).toMatch(/MODELS_DIR=\/app\/models/)
    })

    it(`${file}: copies only what exists and what .dockerignore lets through`, () => {
      const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
      for (const source of copied(file)) {
        expect(existsSync(join(ROOT, source)), source).toBe(true)
        expect(ignored, source).not.toContain(source)
      }
      expect(copied(file)).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', '.npmrc', 'src', 'schema']))
    })
  }

  it('Dockerfile.cpu: current Node LTS, the CUDA download skipped by a setting npm knows', () => {
    const text = read('Dockerfile.cpu')
    expect(text).toMatch(/^ARG NODE_VERSION=(22|24|26)$/m)
    expect(text).not.toMatch(/install\.js/)
    const npmrc = read('.npmrc').split('\n').filter((l) => l.trim() && !l.startsWith('#'))
    expect(npmrc).toEqual(['ignore-scripts=true'])
  })

  it('Dockerfile.gpu: CUDA 12 + cuDNN runtime base, onnxruntime\'s CUDA provider checked at build, TTS_DEVICE=cuda', () => {
    const text = read('Dockerfile.gpu')
    expect(text).toMatch(/^ARG CUDA_IMAGE=nvidia\/cuda:12\.\d+\.\d+-cudnn-runtime-ubuntu(22|24)\.04$/m)
    expect(text).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js')
    expect(text).toContain('test -f "$ort/libonnxruntime_providers_cuda.so"')
    expect(text).toMatch(/TTS_DEVICE=cuda/)
  })
})

describe('nginx/entrypoint.sh', () => {
  const run = (env: Record<string, string>) =>
    spawnSync('sh', [join(ROOT, 'nginx/entrypoint.sh')], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env }, timeout: 10_000 })

  it('stops the start with a plain message when DOMAIN or its certificate is missing', () => {
    const noDomain = run({})
    expect(noDomain.status).toBe(1)
    expect(noDomain.stderr).toContain('DOMAIN is not set')
    const noCert = run({ DOMAIN: 'nowhere.invalid' })
    expect(noCert.status).toBe(1)
    expect(noCert.stderr).toContain('scripts/init-letsencrypt.sh')
  })
})

describe('shell scripts', () => {
  const scripts = [...readdirSync(join(ROOT, 'scripts')).filter((f) => f.endsWith('.sh')).map((f) => `scripts/${f}`), 'nginx/entrypoint.sh']

  it('parse, and are executable', () => {
    for (const file of scripts) {
      expect(spawnSync('bash', ['-n', join(ROOT, file)]).status, file).toBe(0)
      expect(statSync(join(ROOT, file)).mode & 0o100, file).not.toBe(0)
    }
  })

  it.runIf(spawnSync('shellcheck', ['--version']).status === 0 || process.env.CI === 'true')('pass shellcheck', () => {
    const run = spawnSync('shellcheck', scripts.map((f) => join(ROOT, f)), { encoding: 'utf8' })
    expect(run.stdout).toBe('')
    expect(run.status).toBe(0)
  })

  it('print their usage', () => {
    for (const file of ['scripts/backup.sh', 'scripts/restore.sh']) {
      const help = spawnSync('bash', [join(ROOT, file), '--help'], { encoding: 'utf8' })
      expect(help.status, file).toBe(0)
      expect(help.stdout, file).toMatch(/^\s+scripts\/\w+\.sh \[/m)
    }
  })
})

// Compose v2 itself, where installed: interpolation, the schema and the merge of the GPU override.
const hasCompose = spawnSync('docker', ['compose', 'version'], { timeout: 10_000 }).status === 0
describe.runIf(hasCompose)('docker compose config', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cw-compose-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('accepts the files with .env.example as .env, with every profile and with the GPU override', () => {
    for (const f of ['docker-compose.yml', 'deploy/compose.gpu.yml', 'nginx/nginx.conf', 'nginx/proxy.conf', 'nginx/upstream.conf', 'nginx/entrypoint.sh', 'deploy/prometheus.yml', 'deploy/alerts.yml']) {
      mkdirSync(join(dir, f, '..'), { recursive: true })
      copyFileSync(join(ROOT, f), join(dir, f))
    }
    copyFileSync(join(ROOT, '.env.example'), join(dir, '.env'))
    const config = (...args: string[]) => spawnSync('docker', ['compose', ...args, 'config', '--quiet'], { cwd: dir, encoding: 'utf8', timeout: 30_000 })
    for (const args of [[], ['--profile', 'production', '--profile', 'monitoring'], ['-f', 'docker-compose.yml', '-f', 'deploy/compose.gpu.yml']]) {
      const run = config(...args)
      expect(run.stderr, args.join(' ')).toBe('')
      expect(run.status).toBe(0)
    }
  })
})
