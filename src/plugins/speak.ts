// Speech as an HTTP response, shared by POST /v1/tts and POST /v1/audio/speech: the status line
// and headers wait for the first audio (so a failure before it is still a proper JSON error, and
// time to first audio is measured honestly), then every chunk is encoded and written as soon as
// the synthesizer yields it, as a chunked response. A client that goes away aborts the synthesis.
import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { contentType, createEncoder, type AudioFormat, type Encoder } from '../audio/encoder.js'
import { ApiError } from '../errors.js'
import type { SpeechChunk } from '../speech/synthesizer.js'
import type { CatalogVoice } from './voice-catalog.js'
import { refusal } from './refuse.js'

export interface SpeakParams {
  text: string
  voice: CatalogVoice
  format: AudioFormat
  speed: number
  sampleRate: number
}

/** Characters as a person counts them (code points), for quotas and usage. */
function countCharacters(text: string): number {
  let n = text.length
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) n--
    }
  }
  return n
}

const SPEAKABLE = /[\p{L}\p{N}]/u

/** The monthly character quota's bucket for a key. */
export const charactersBucket = (keyId: string) => `chars:${keyId}`

/**
 * Checks that a text has something to say and takes its characters from the key's monthly quota
 * (429 when they do not fit), recording them on the request's usage meter. Every route that
 * speaks, REST or call, is charged through here; a request that then fails before any audio gets
 * them back (usage-meter.ts).
 */
export async function chargeCharacters(app: FastifyInstance, request: FastifyRequest, text: string): Promise<void> {
  const key = request.apiKey!
  // Text with a letter or digit always has words to say; only other text needs the full check.
  if (!SPEAKABLE.test(text) && app.synth.segments(text).length === 0) {
    throw new ApiError('validation_failed', 'text has nothing that can be spoken')
  }
  const characters = countCharacters(text)
  const quota = await app.limits.take(charactersBucket(key.id), characters, key.monthlyCharLimit, 'month')
  if (!quota.allowed) throw refusal(app.metrics, 'characters', quota)
  request.meter!.characters = characters
}

export async function speak(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, p: SpeakParams): Promise<FastifyReply> {
  const meter = request.meter!
  Object.assign(meter, { voice: p.voice.slug, format: p.format })
  await chargeCharacters(app, request, p.text)

  const started = performance.now()
  const controller = new AbortController()
  let encoder: Encoder | undefined
  // A client gone stops the synthesis and frees the encoder, even if the body never started.
  const onClose = () => {
    if (reply.raw.writableFinished) return
    controller.abort()
    encoder?.close()
  }
  reply.raw.once('close', onClose)
  const chunks = app.synth.stream(p.text, { voice: p.voice.slug, speed: p.speed, signal: controller.signal })
  let first: SpeechChunk | undefined
  try {
    for await (const chunk of iterate(chunks)) {
      if (chunk.samples.length > 0) {
        first = chunk
        break
      }
    }
    const ttfa = performance.now() - started
    meter.ttfaMs = ttfa
    app.metrics.ttfa.observe({ format: p.format }, ttfa / 1000)
    // Made while the engine works on the next segment (an MP3 encoder may have to be started).
    encoder = await createEncoder(p.format, { inputRate: p.voice.sampleRate, outputRate: p.sampleRate })
    if (controller.signal.aborted) encoder.close() // the client left while it was made
  } catch (err) {
    reply.raw.off('close', onClose)
    controller.abort()
    throw err
  }
  const enc: Encoder = encoder
  const msPerSample = 1000 / p.voice.sampleRate
  let completed = false
  async function* body(): AsyncGenerator<Uint8Array> {
    try {
      const header = enc.header()
      if (header.length) yield header
      if (first) {
        meter.audioMs += first.samples.length * msPerSample
        const bytes = await enc.push(first.samples)
        if (bytes.length) yield bytes
      }
      for await (const { samples } of iterate(chunks)) {
        if (samples.length === 0) continue
        meter.audioMs += samples.length * msPerSample
        const bytes = await enc.push(samples)
        if (bytes.length) yield bytes
      }
      const tail = await enc.end()
      if (tail.length) yield tail
      completed = true
      app.metrics.ttsDuration.observe({ format: p.format }, (performance.now() - started) / 1000)
    } catch (err) {
      // After the status line a failure can only cut the response short; the usage row says why.
      if (!controller.signal.aborted) {
        meter.status = 500
        request.log.error({ err }, 'synthesis failed mid-stream')
      }
      throw err
    } finally {
      reply.raw.off('close', onClose)
      // Stops whatever synthesis is still queued or running, and frees the encoder. (Not after a
      // normal end: an abort builds an AbortError with a stack trace, a real cost at thousands of
      // requests a second.)
      if (!completed) {
        controller.abort()
        enc.close()
      }
    }
  }
  return reply
    .header('content-type', contentType(p.format, p.sampleRate))
    .header('x-sample-rate', p.sampleRate)
    .header('cache-control', 'no-store')
    .send(Readable.from(body(), { objectMode: false, highWaterMark: 64 * 1024 }))
}

/**
 * The synthesizer's generator, iterable more than once: the first `for await` takes the first
 * chunk and stops, the body then takes the rest. (A plain generator would be closed by the break.)
 */
function iterate<T>(gen: AsyncGenerator<T>): AsyncIterable<T> {
  return { [Symbol.asyncIterator]: () => ({ next: () => gen.next() }) }
}
