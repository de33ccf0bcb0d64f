// Speech and when each word of it is spoken, in one JSON answer (POST /v1/tts/with-timestamps, as
// ElevenLabs' endpoint of that name): the audio base64-encoded in the requested format, and every
// spoken word with its start and end in seconds and the characters of the request's text it was
// read from (`$42` for "forty-two dollars").
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { createEncoder, encodeChunks } from '../audio/encoder.js'
import type { SpeechChunk } from '../speech/synthesizer.js'
import { charge, type AudioRequest } from './audio-reply.js'

export interface TimedWord {
  word: string
  start: number
  end: number
  text_start: number
  text_end: number
}

export interface TimedAudio {
  audio_base64: string
  format: string
  sample_rate: number
  words: TimedWord[]
}

const seconds = (samples: number, rate: number) => Math.round((samples / rate) * 1e4) / 1e4

export async function timedAudio(app: FastifyInstance, request: FastifyRequest, p: AudioRequest): Promise<TimedAudio> {
  const { bill, release } = await charge(app, request, p)
  try {
    const started = performance.now()
    const controller = new AbortController()
    const onClose = () => controller.abort()
    request.raw.once('close', onClose)
    const rate = p.voice.sampleRate
    const encoder = await createEncoder(p.format, { inputRate: rate, outputRate: p.sampleRate })
    const words: TimedWord[] = []
    let samples = 0
    let segmentStart = 0
    const after = (c: SpeechChunk) => {
      if (samples === 0 && c.samples.length) bill.firstAudio(performance.now() - started)
      samples += c.samples.length
      bill.addAudio((c.samples.length / rate) * 1000)
      for (const w of c.words ?? []) {
        words.push({ word: w.word, start: seconds(segmentStart + w.start, rate), end: seconds(segmentStart + w.end, rate), text_start: w.from, text_end: w.to })
      }
      if (c.last) segmentStart = samples
    }
    const parts: Uint8Array[] = []
    try {
      for await (const bytes of encodeChunks(app.synth.stream(p.segments, { signal: controller.signal, words: true, rate }), encoder, { after })) parts.push(bytes)
    } catch (err) {
      encoder.close()
      throw err
    } finally {
      request.raw.off('close', onClose)
    }
    app.metrics.ttsDuration.observe({ format: p.format }, (performance.now() - started) / 1000)
    return { audio_base64: Buffer.concat(parts).toString('base64'), format: p.format, sample_rate: p.sampleRate, words }
  } finally {
    release()
  }
}
