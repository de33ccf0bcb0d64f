// Issue 13's reading figure: the read step (language rules, segmenting, aligning) per 1,000
// characters of text full of numbers, money, dates and times, beside what the same voice takes to
// synthesize that text's first segment, for English and each language with reading rules of its own.
// Goal: reading under 5 % of the first segment's synthesis, so no caller waits on it. The same for
// SSML: parsing (saxes, the caps) alone, and parsing and reading into segments, per 1,000 characters.
import { EspeakEngine } from '../src/speech/engines/espeak.js'
import { FliteEngine } from '../src/speech/engines/flite.js'
import { read } from '../src/speech/read.js'
import { parseSsml } from '../src/speech/ssml/parse.js'
import { readSsml } from '../src/speech/ssml/read.js'
import { percentile, ms, figure } from './stats.js'

const RUNS = 50

const TEXTS: Record<string, string> = {
  'espeak-en-us': 'Your balance is $1,234.56 as of 3/4/2024. Call 1-800-555-0199 between 9am and 5:30pm, Mon-Fri. Up 3.5% on the 2nd quarter.',
  'espeak-es': 'Su saldo es de 1.234,56 € al 3/4/2024. Llame al +34 612 345 678 de 9:00 a 17:30. Sube un 3,5 % en el 2º trimestre, 1er piso.',
  'espeak-fr-fr': 'Votre solde est de 1 234,56 € au 3/4/2024. Appelez le 06 12 34 56 78 de 9h à 17h30. En hausse de 3,5 % au 2e trimestre, le 1er avril.',
  'espeak-de': 'Ihr Kontostand beträgt 1.234,56 € am 3.4.2024. Rufen Sie 030 1234567 von 9.00 Uhr bis 17.30 Uhr an. Plus 3,5 % am 1. Mai.',
  'espeak-it': 'Il saldo è di 1.234,56 € al 3/4/2024. Chiami il +39 02 1234 5678 dalle 9:00 alle 17:30. In crescita del 3,5 % nel 2º trimestre.',
  'espeak-pt-br': 'Seu saldo é de 1.234,56 € em 3/4/2024. Ligue para +55 11 91234 5678 das 9h às 17h30. Alta de 3,5 % no 2º trimestre.',
  'espeak-nl': 'Uw saldo is € 1.234,56 op 3-4-2024. Bel 020 123 4567 van 9:00 tot 17:30 uur. Een stijging van 3,5 % in het 2de kwartaal.',
}

/** `text` repeated to at least 1,000 characters. */
const thousand = (text: string) => text.repeat(Math.ceil(1000 / text.length))

function median(run: () => void): number {
  for (let i = 0; i < 10; i++) run()
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now()
    run()
    times.push(performance.now() - start)
  }
  return percentile(times, 50)
}

const engine = await EspeakEngine.load()
const voices = new Map(engine.voices().map((v) => [v.id, v]))
for (const [id, sample] of Object.entries(TEXTS)) {
  const voice = voices.get(id)!
  const text = thousand(sample)
  const reading = (median(() => read(text, voice)) * 1000) / text.length
  const first = read(text, voice)[0].text
  const synthesis = median(() => engine.synthesizeEach(first, { voice: id, speed: 1 }, () => {}))
  const ratio = reading / synthesis
  figure(`reading per 1,000 characters (${voice.language})`, ms(reading),
    `first segment's synthesis ${ms(synthesis)} ("${first}"), ratio ${(ratio * 100).toFixed(2)} %`, '< 5 % of it', ratio < 0.05)
}

// A phone prompt as SSML: every kind of tag, a third of the characters markup.
const SSML_PART =
  '<p><s>Your code is <say-as interpret-as="digits">4271</say-as>.</s><s><prosody rate="slow" volume="loud">Please ' +
  'write it down.</prosody></s></p><break time="500ms"/><s>Visit us on <say-as interpret-as="date" format="mdy">6/14/2024</say-as> ' +
  'at <sub alias="World Wide Web Consortium">W3C</sub>.<mark name="m"/></s><emphasis>Thank you</emphasis>. '
const ssml = `<speak>${thousand(SSML_PART)}</speak>`
// Beside the first segment of the same document in eSpeak NG's English voice and in the service's
// default voice (Flite's slt), which is slower to make a short clause.
const flite = new FliteEngine()
const english = voices.get('espeak-en-us')!
const slt = flite.voices().find((v) => v.id === 'slt')!
for (const [v, synthesize] of [
  [english, (text: string) => engine.synthesizeEach(text, { voice: english.id, speed: 1 }, () => {})],
  [slt, (text: string) => flite.synthesizeSync(text, { voice: slt.id, speed: 1 })],
] as const) {
  const first = readSsml(ssml, v, 1, [v]).segments[0].text
  const synthesis = median(() => synthesize(first))
  for (const [what, run] of [
    ['SSML parsing', () => parseSsml(ssml)],
    ['SSML parsing and reading', () => readSsml(ssml, v, 1, [v])],
  ] as const) {
    const perThousand = (median(run) * 1000) / ssml.length
    const ratio = perThousand / synthesis
    figure(`${what} per 1,000 characters (${v.id})`, ms(perThousand),
      `first segment's synthesis ${ms(synthesis)} ("${first}"), ratio ${(ratio * 100).toFixed(2)} %`, '< 5 % of it', ratio < 0.05)
  }
}
flite.close()
