// Synthesize to a file (or stdout) from the shell:
//   npm run say -- --voice slt --format wav -o out.wav "Hello there."
//   echo "Hello" | npm run say -- --format mulaw --rate 8000 -o out.ulaw
//   npm run say -- --voice espeak-en-us -o code.wav "<speak>Code <say-as interpret-as=\"digits\">42</say-as></speak>"   (SSML)
//   npm run say -- --list-voices
//   npm run say -- --show-text "Open 9am-5pm Mon-Fri."   (the words each segment will speak; no audio)
//   npm run say -- --voice espeak-es --show-text "Tengo 25 años."   (read as that voice's language)
import { parseArgs } from 'node:util'
import { createWriteStream, openSync, writeSync, closeSync } from 'node:fs'
import { text as readStdin } from 'node:stream/consumers'
import { SynthesisPool } from '../speech/workers.js'
import { Synthesizer } from '../speech/synthesizer.js'
import { AUDIO_FORMATS, SAMPLE_RATES, createEncoder, defaultRate, encodeChunks, isAudioFormat, isSampleRate, type AudioFormat } from '../audio/encoder.js'
import { SPEED } from '../speech/read.js'
import { readInput } from '../speech/read-input.js'
import { SsmlError } from '../speech/ssml/parse.js'
import { wavHeader } from '../audio/wav.js'
import { ConfigError, loadConfig } from '../config.js'

const USAGE = 'usage: npm run say -- [--voice slt] [--format wav|pcm16|mulaw|alaw|mp3] [--rate HZ] [--speed 0.5-2] [-o FILE] [TEXT] | --list-voices | [--voice V] --show-text [TEXT]'

class UsageError extends Error {}

function options(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      voice: { type: 'string', default: 'slt' },
      format: { type: 'string', default: 'wav' },
      rate: { type: 'string' },
      speed: { type: 'string', default: '1' },
      output: { type: 'string', short: 'o' },
      'list-voices': { type: 'boolean', default: false },
      'show-text': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (!isAudioFormat(values.format)) throw new UsageError(`--format must be one of ${AUDIO_FORMATS.join(', ')}`)
  const speed = Number(values.speed)
  if (!(speed >= SPEED.min && speed <= SPEED.max)) throw new UsageError(`--speed must be a number from ${SPEED.min.toFixed(1)} to ${SPEED.max.toFixed(1)}`)
  const rate = values.rate === undefined ? undefined : Number(values.rate)
  if (rate !== undefined && !isSampleRate(rate)) throw new UsageError(`--rate must be one of ${SAMPLE_RATES.join(', ')}`)
  return { ...values, format: values.format as AudioFormat, speed, rate, text: positionals.join(' ') }
}

/** The text from the arguments, else from standard input. */
async function inputText(given: string): Promise<string> {
  const text = (given || (process.stdin.isTTY ? '' : await readStdin(process.stdin))).trim()
  if (!text) throw new UsageError('no text: give it as an argument or on standard input')
  return text
}

async function main(argv: string[]): Promise<void> {
  const opts = options(argv)
  if (opts.help) return void console.log(USAGE)
  const config = loadConfig()
  // One worker: a command line speaks one text; MODELS_DIR and TTS_DEVICE apply as in the service.
  const pool = new SynthesisPool(1, { modelsDir: config.modelsDir, device: config.ttsDevice, piperThreads: config.piperThreads })
  try {
    const voices = await pool.voices()
    if (opts['list-voices']) {
      for (const v of voices) console.log(`${v.id.padEnd(28)} ${v.engine.padEnd(7)} ${v.language.padEnd(12)} ${v.gender.padEnd(7)} ${v.sampleRate} Hz  ${v.name}`)
      return
    }
    const synth = new Synthesizer(pool, voices, { cacheBytes: 0 })
    const voice = synth.voice(opts.voice)
    if (!voice) throw new UsageError(`unknown voice "${opts.voice}" (see --list-voices)`)
    const text = await inputText(opts.text)
    const { segments, warnings } = readInput(text, voice, opts.speed, { voices })
    for (const w of warnings) console.error(`say: ${w}`)
    // How a prompt will be read, before a caller hears it: the words of each segment, as the
    // service makes them for this voice (its language decides how numbers and dates read).
    if (opts['show-text']) return segments.forEach((s, i) => console.log(`${i + 1}\t${s.pause ? `(${s.pause.bleep ? 'bleep' : 'silence'}, ${s.pause.ms} ms)` : s.text}`))
    const outputRate = opts.rate ?? defaultRate(opts.format, voice.sampleRate)
    const encoder = await createEncoder(opts.format, { inputRate: voice.sampleRate, outputRate })
    const out = opts.output ? createWriteStream(opts.output) : process.stdout
    let bytes = 0
    for await (const chunk of encodeChunks(synth.stream(segments, { rate: voice.sampleRate }), encoder)) {
      bytes += chunk.length
      out.write(chunk)
    }
    if (opts.output) {
      await new Promise<void>((resolve, reject) => (out as ReturnType<typeof createWriteStream>).end((err?: Error | null) => (err ? reject(err) : resolve())))
      // A file can be seeked: give it a header with the real length, which every player accepts.
      if (opts.format === 'wav') {
        const header = wavHeader({ sampleRate: outputRate, format: 'pcm16', dataBytes: bytes - encoder.header().length })
        const fd = openSync(opts.output, 'r+')
        writeSync(fd, header, 0, header.length, 0)
        closeSync(fd)
      }
      console.error(`wrote ${opts.output}: ${opts.format}, ${outputRate} Hz, ${bytes} bytes`)
    }
  } finally {
    await pool.close()
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const known = err instanceof UsageError || err instanceof ConfigError || err instanceof SsmlError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
  console.error(`say: ${known ? (err as Error).message : `failed: ${(err as Error).message}`}`)
  if (known) console.error(USAGE)
  process.exitCode = known ? 2 : 1
})
