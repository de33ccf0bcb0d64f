// Malformed requests made from the service's own OpenAPI document (/docs/json): for every
// operation a valid request is built from its schemas, then broken one way at a time — a required
// field dropped, a value of the wrong type, an odd or huge string, unknown and prototype-polluting
// fields, a body that is not an object, bad JSON, random bytes, deep nesting, the wrong content
// type, odd path and query parameters, bad keys, the wrong method. Deterministic for a seed:
// structural choices come from a small PRNG, random values from fast-check samples.
import fc from 'fast-check'

type Schema = {
  type?: string
  properties?: Record<string, Schema>
  required?: string[]
  enum?: unknown[]
  anyOf?: Schema[]
  pattern?: string
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  items?: Schema
  additionalProperties?: boolean
}

interface Param {
  in: 'path' | 'query' | 'header'
  name: string
  required?: boolean
  schema: Schema
}

export interface Operation {
  method: string
  /** With {name} placeholders. */
  path: string
  params: Param[]
  body?: Schema
  /** application/x-www-form-urlencoded (Twilio's webhooks), signed by the caller of fuzz(). */
  form?: boolean
}

export interface FuzzRequest {
  op: Operation
  method: string
  path: string
  headers: Record<string, string>
  body?: string | Buffer
  /** What was broken, for the failure message. */
  label: string
}

interface OpenApi {
  paths: Record<string, Record<string, { parameters?: Param[]; requestBody?: { content?: Record<string, { schema: Schema }> } }>>
}

/** Every operation in the document. */
export function operations(doc: OpenApi): Operation[] {
  const ops: Operation[] = []
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      ops.push({ method: method.toUpperCase(), path, params: op.parameters ?? [], body: op.requestBody?.content?.['application/json']?.schema })
    }
  }
  return ops
}

/** A PRNG (mulberry32): the same seed gives the same requests. */
export function prng(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(next() * n)
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]
  return { next, int, pick }
}
export type Rng = ReturnType<typeof prng>

/** Percent-encoding of the UTF-8 bytes (encodeURIComponent throws on a lone surrogate). */
const pct = (v: string) => [...Buffer.from(v, 'utf8')].map((b) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0').toUpperCase()}`)).join('')

const hex = (rng: Rng, n: number) => Array.from({ length: n }, () => '0123456789abcdef'[rng.int(16)]).join('')

// Known patterns of this API, and a value each accepts.
const PATTERN_EXAMPLES: Array<[RegExp, (rng: Rng) => string]> = [
  [/^\^\\\+\[1-9\]/, (rng) => `+1555${String(1_000_000 + rng.int(8_999_999))}`],
  [/^\^CA/, (rng) => `CA${hex(rng, 32)}`],
  [/^\^\(200/, () => '10'],
  [/^\^\[0-9\*#\]\$$/, () => '#'],
  [/^\^\[A-Za-z0-9_-\]\+\$$/, () => 'kal'],
]

const NAME_EXAMPLES: Record<string, string> = {
  text: 'Hello there.', input: 'Hello there.', greeting: 'Welcome.', model: 'tts-1', response_format: 'wav', voice: 'kal', voice_id: 'kal',
}

/** A value the schema accepts (for the schemas this API has; good enough to then break). */
export function example(schema: Schema, name: string, rng: Rng): unknown {
  if (schema.enum) return schema.enum[0]
  if (schema.anyOf) return example(schema.anyOf[0], name, rng)
  switch (schema.type) {
    case 'string': {
      if (schema.pattern) for (const [re, make] of PATTERN_EXAMPLES) if (re.test(schema.pattern)) return make(rng)
      return NAME_EXAMPLES[name] ?? 'ok'
    }
    case 'number':
    case 'integer':
      return name === 'speed' ? 1 : schema.minimum ?? 1
    case 'boolean':
      return false
    case 'array':
      return schema.items ? [example(schema.items, name, rng)] : []
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const [k, s] of Object.entries(schema.properties ?? {})) if (schema.required?.includes(k) || rng.next() < 0.5) out[k] = example(s, k, rng)
      return out
    }
    default:
      return null
  }
}

// Strings that have broken parsers, databases, loggers and text normalizers elsewhere.
const ODD_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '\ud800', '\udfff\ud800', '\u202e\u0644\u0627', '\u200b\u200b', '\ufeff', '🎉'.repeat(50), 'ﷺ'.repeat(100),
  "' OR '1'='1", '"; DROP TABLE usage; --', '../../../../etc/passwd', '%s%s%s%n', '${process.exit()}', '{{7*7}}', '<script>alert(1)</script>',
  'NaN', 'Infinity', '-0', '1e999', '0x10', '+1555', '+44', '+1' + '9'.repeat(40), 'CA' + 'g'.repeat(32), '\r\nx-injected: 1', 'true', 'null',
  '1'.repeat(400), '$1,234,567.89 on 12/31/1999 at 11:59 p.m.', 'Dr. St. Mr. Mrs. a.m. p.m. vs. etc. e.g. i.e.', '.'.repeat(3000), '\t\n\r\v\f',
]

const WRONG_VALUES: unknown[] = [0, -1, 1.5, -0.0001, 1e308, -1e308, 2 ** 53 + 1, true, false, null, [], {}, [1, 2, 3], { a: 1 }, ['kal'], '', '0', 'false']

function hugeString(rng: Rng, maxLength = 5000): string {
  switch (rng.int(5)) {
    case 0: return 'a'.repeat(maxLength + 1)
    case 1: return 'é'.repeat(maxLength) // at the limit in characters, twice that in bytes
    case 2: return '😀'.repeat(Math.ceil(maxLength / 2) + 1) // surrogate pairs: characters vs code units
    case 3: return 'x'.repeat(70 * 1024) // beyond the body limit
    default: return 'word '.repeat(Math.ceil(maxLength / 5) + 1)
  }
}

const BAD_JSON = [
  '{', '{"text": "a"', '{"text": "a",}', "{'text': 'a'}", '{"text": NaN}', '{"text": undefined}', '// comment\n{}', '\ufeff{}',
  '{"text": "a" "voice_id": "b"}', '[', ']', 'nul', 'tru', '"unterminated', '{"a":1}{"b":2}', '{"__proto__": {"admin": true}}',
  '{"constructor": {"prototype": {"polluted": 1}}}', '{"text": "\\ud800"}', '{"text": "\\u0000"}', '{"text": 1e99999}', '0', '-', '   ',
]

const CONTENT_TYPES = [
  'text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/octet-stream',
  'application/json; charset=latin1', 'APPLICATION/JSON', 'application/jsonx', 'application/json;;;', ';', 'application/*', '*/*',
  'application/json; charset=utf-16', 'application/vnd.api+json',
]

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']

export interface FuzzOptions {
  count: number
  seed: number
  /** A key with every scope, sent with most requests so they reach validation. */
  key: string
  /** A well-formed key the service has never seen (a database lookup that finds nothing). */
  unknownKey: string
}

/** `count` broken requests, spread over the operations. */
export function fuzz(ops: Operation[], o: FuzzOptions): FuzzRequest[] {
  const rng = prng(o.seed)
  const values = fc.sample(fc.jsonValue({ maxDepth: 4 }), { seed: o.seed, numRuns: 300 })
  const strings = fc.sample(fc.string({ unit: 'binary', maxLength: 300 }), { seed: o.seed + 1, numRuns: 300 })
  const bytes = fc.sample(fc.uint8Array({ maxLength: 2000 }), { seed: o.seed + 2, numRuns: 100 }).map((b) => Buffer.from(b))
  const anyValue = (): unknown => (rng.next() < 0.5 ? rng.pick(WRONG_VALUES) : rng.pick(values))
  const anyString = (): string => (rng.next() < 0.5 ? rng.pick(ODD_STRINGS) : rng.pick(strings))
  const out: FuzzRequest[] = []
  for (let i = 0; i < o.count; i++) {
    const op = ops[i % ops.length]
    const notes: string[] = []
    let method = op.method
    const pathValues: Record<string, string> = {}
    const query = new URLSearchParams()
    for (const p of op.params) {
      const v = String(example(p.schema, p.name, rng))
      if (p.in === 'path') pathValues[p.name] = v
      else if (p.in === 'query' && rng.next() < 0.5) query.set(p.name, v)
    }
    const headers: Record<string, string> = {}
    let body: unknown = op.body ? example(op.body, '', rng) : undefined
    let raw: string | Buffer | undefined
    let contentType: string | undefined = op.body ? 'application/json' : undefined

    // One to three breaks per request; a few requests are left valid.
    const breaks = rng.next() < 0.05 ? 0 : 1 + rng.int(3)
    for (let b = 0; b < breaks; b++) {
      const kind = rng.int(12)
      const fields = body && typeof body === 'object' && !Array.isArray(body) ? Object.keys(op.body?.properties ?? {}) : []
      const obj = body as Record<string, unknown>
      if (kind === 0 && fields.length) {
        const f = rng.pick(op.body?.required?.length ? op.body.required : fields)
        delete obj[f]
        notes.push(`drop ${f}`)
      } else if (kind === 1 && fields.length) {
        const f = rng.pick(fields)
        obj[f] = anyValue()
        notes.push(`${f} = wrong type`)
      } else if (kind === 2 && fields.length) {
        const f = rng.pick(fields)
        obj[f] = anyString()
        notes.push(`${f} = odd string`)
      } else if (kind === 3 && fields.length) {
        const f = rng.pick(fields)
        obj[f] = hugeString(rng, op.body?.properties?.[f]?.maxLength)
        notes.push(`${f} = huge string`)
      } else if (kind === 4 && op.body) {
        const extra = rng.pick(['__proto__', 'constructor', 'prototype', 'unknown', 'toString', 'hasOwnProperty', ''])
        raw = JSON.stringify(body).replace(/^\{/, `{${JSON.stringify(extra)}: ${JSON.stringify(anyValue())},`).replace(/,\}$/, '}')
        notes.push(`extra field ${JSON.stringify(extra)}`)
      } else if (kind === 5 && op.body) {
        body = rng.pick([[body], 'text', 42, null, true, [], anyValue()])
        raw = undefined
        notes.push('body not an object')
      } else if (kind === 6) {
        raw = rng.pick(BAD_JSON)
        contentType = 'application/json'
        notes.push('bad JSON')
      } else if (kind === 7) {
        raw = rng.next() < 0.2 ? `${'['.repeat(20_000)}${']'.repeat(20_000)}` : rng.pick(bytes)
        contentType = rng.next() < 0.7 ? 'application/json' : rng.pick(CONTENT_TYPES)
        notes.push(raw.length === 40_000 ? 'nested 20000 deep' : 'random bytes')
      } else if (kind === 8) {
        contentType = rng.next() < 0.2 ? undefined : rng.pick(CONTENT_TYPES)
        raw ??= rng.next() < 0.5 ? JSON.stringify(body ?? {}) : 'text=hello&voice_id=kal'
        notes.push(`content-type ${contentType ?? 'none'}`)
      } else if (kind === 9 && Object.keys(pathValues).length) {
        const name = rng.pick(Object.keys(pathValues))
        const v = rng.pick([...ODD_STRINGS.filter(Boolean), 'x'.repeat(3000), '%', '%00', '%E0%A4%A', '..%2F..%2F', '%2e%2e', '/', ''])
        pathValues[name] = /%/.test(v) ? v : pct(v)
        notes.push(`path ${name} odd`)
      } else if (kind === 10) {
        const name = rng.pick([...op.params.filter((p) => p.in === 'query').map((p) => p.name), 'limit', 'x', '__proto__', 'live'])
        for (let k = 0; k < 1 + rng.int(3); k++) query.append(name, rng.pick(['-1', '0', '201', 'abc', '1e9', 'true', 'maybe', '', 'x'.repeat(2000), '%00', anyString()]))
        notes.push(`query ${name} odd`)
      } else if (kind === 11) {
        method = rng.pick(METHODS.filter((m) => m !== op.method))
        notes.push(`method ${method}`)
      } else {
        notes.push('as is')
      }
    }

    // Who is asking: mostly the good key (so validation is reached), else a bad one.
    const who = rng.int(10)
    if (who < 7) headers['x-api-key'] = o.key
    else if (who === 7) headers.authorization = rng.pick([`Bearer ${o.key}`, `bearer  ${o.key}  `, `Basic ${Buffer.from('a:b').toString('base64')}`, 'Bearer', `Bearer ${o.unknownKey}`])
    else if (who === 8) headers['x-api-key'] = rng.pick([o.unknownKey, 'cw_live_', 'x'.repeat(500), o.key.slice(0, -1), o.key + 'A', o.key.toUpperCase(), ' '])
    // else: no key
    if (who !== 9 && who >= 7) notes.push('bad key')

    const path = op.path.replace(/\{(\w+)\}/g, (_, n: string) => pathValues[n] ?? 'x')
    const qs = query.toString()
    if (contentType) headers['content-type'] = contentType
    const sendsBody = method !== 'GET' && method !== 'HEAD'
    const payload = raw ?? (body === undefined ? undefined : JSON.stringify(body))
    out.push({ op, method, path: qs ? `${path}?${qs}` : path, headers, body: sendsBody ? payload : undefined, label: `${op.method} ${op.path}: ${notes.join(', ') || 'valid'}` })
  }
  return out
}

/** Form fields of Twilio's webhooks, broken the same ways; the caller signs them (or not). */
export function fuzzForm(rng: Rng, callSid: () => string): { path: string; params: Record<string, string>; label: string } {
  const path = rng.pick(['/twilio/voice', '/twilio/status'])
  const params: Record<string, string> = { CallSid: callSid(), From: '+15550001111', To: '+15005550006', CallStatus: 'ringing', Direction: 'inbound' }
  const f = rng.pick(Object.keys(params))
  const how = rng.int(4)
  if (how === 0) delete params[f]
  else if (how === 1) params[f] = rng.pick(ODD_STRINGS)
  else if (how === 2) params[f] = 'x'.repeat(rng.pick([33, 65, 5000, 60_000]))
  else params[rng.pick(['Extra', '__proto__', 'CallSid[]', ''])] = rng.pick(ODD_STRINGS)
  return { path, params, label: `${path}: ${['drop', 'odd', 'huge', 'extra'][how]} ${f}` }
}

/** Not HTTP, or HTTP no parser should accept: sent on a raw socket. */
export function rawGarbage(rng: Rng, bytes: Buffer[]): { data: Buffer; label: string } {
  const cases: Array<[string, () => string | Buffer]> = [
    ['random bytes', () => rng.pick(bytes)],
    ['random bytes after a request line', () => Buffer.concat([Buffer.from('POST /v1/tts HTTP/1.1\r\n'), rng.pick(bytes)])],
    ['bad request line', () => 'GET\r\n\r\n'],
    ['bad method', () => 'G\u00e9T / HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['HTTP/0.9', () => 'GET /health\r\n\r\n'],
    ['HTTP/2 preface', () => 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
    ['TLS hello', () => Buffer.from('16030100a5010000a10303', 'hex')],
    ['negative content-length', () => 'POST /v1/tts HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n'],
    ['two content-lengths', () => 'POST /v1/tts HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'],
    ['content-length and chunked', () => 'POST /v1/tts HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['bad chunk size', () => 'POST /v1/tts HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n'],
    ['header without colon', () => 'GET /health HTTP/1.1\r\nHost x\r\n\r\n'],
    ['header with NUL', () => 'GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n'],
    ['header too large', () => `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`],
    ['URL too long', () => `GET /v1/voices?${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`],
    ['absolute URL', () => 'GET http://evil.example/v1/voices HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['bad upgrade', () => 'GET /twilio/media HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 99\r\nSec-WebSocket-Key: !!\r\n\r\n'],
    ['websocket on a plain route', () => 'GET /v1/voices HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n'],
    ['truncated body', () => 'POST /v1/tts HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\nContent-Length: 100\r\n\r\n{"text":'],
  ]
  const [label, make] = rng.pick(cases)
  const data = make()
  return { data: typeof data === 'string' ? Buffer.from(data, 'latin1') : data, label }
}

/** Frames no Twilio media stream sends: for /twilio/media after (or instead of) a valid start. */
export function wsGarbage(rng: Rng, streamSid: string, bytes: Buffer[]): { data: string | Buffer; binary: boolean; label: string } {
  const cases: Array<[string, () => unknown, boolean?]> = [
    ['random bytes', () => rng.pick(bytes), true],
    ['random text', () => rng.pick(ODD_STRINGS)],
    ['bad JSON', () => rng.pick(BAD_JSON)],
    ['JSON not an object', () => JSON.stringify(rng.pick([[], 1, 'media', null, true]))],
    ['unknown event', () => JSON.stringify({ event: rng.pick(['hello', '', 'MEDIA', '__proto__', 1, null]), streamSid })],
    ['media, payload not base64', () => JSON.stringify({ event: 'media', streamSid, media: { track: 'inbound', chunk: '1', timestamp: '0', payload: '@@@not base64@@@' } })],
    ['media, huge payload', () => JSON.stringify({ event: 'media', streamSid, media: { track: 'inbound', chunk: '1', timestamp: '0', payload: Buffer.alloc(45_000, 0xff).toString('base64') } })],
    ['media, wrong types', () => JSON.stringify({ event: 'media', streamSid, media: { track: 5, chunk: {}, timestamp: [], payload: 7 } })],
    ['media, wrong stream', () => JSON.stringify({ event: 'media', streamSid: 'MZ' + '0'.repeat(32), media: { track: 'inbound', chunk: '1', timestamp: '0', payload: '' } })],
    ['mark, unknown name', () => JSON.stringify({ event: 'mark', streamSid, mark: { name: rng.pick(ODD_STRINGS) || 'x' } })],
    ['mark, no name', () => JSON.stringify({ event: 'mark', streamSid, mark: {} })],
    ['dtmf, odd digit', () => JSON.stringify({ event: 'dtmf', streamSid, dtmf: { track: 'inbound_track', digit: rng.pick(['', '**', 'A', '\u0000', 5]) } })],
    ['second start', () => JSON.stringify({ event: 'start', streamSid, start: { callSid: 'CA1', customParameters: {} } })],
    ['stop with garbage', () => JSON.stringify({ event: 'stop', streamSid: 5, stop: 'x' })],
    ['over the frame limit', () => 'x'.repeat(70 * 1024)],
    ['deep JSON', () => `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`],
  ]
  const [label, make, binary] = rng.pick(cases)
  const data = make() as string | Buffer
  return { data, binary: binary === true, label }
}
