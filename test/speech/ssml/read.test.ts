// SSML → segments: every tag and value the service supports, and each say-as form as Amazon
// Polly documents it, read as words the voice's language says.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { readSsml } from '../../../src/speech/ssml/read.js'
import { readInput } from '../../../src/speech/read-input.js'
import { read } from '../../../src/speech/read.js'
import { SsmlError } from '../../../src/speech/ssml/parse.js'
import { IPA_CLOSE, IPA_OPEN, ipaToEspeak, toIpa } from '../../../src/speech/ssml/phonemes.js'
import type { VoiceInfo } from '../../../src/speech/engine.js'

const voice = (id: string, language: string, engine: string, sampleRate: number): VoiceInfo => ({ id, name: id, language, gender: 'female', sampleRate, engine })
const slt = voice('slt', 'en-US', 'flite', 16000)
const espeakEn = voice('espeak-en-us', 'en-US', 'espeak', 22050)
const espeakFr = voice('espeak-fr-fr', 'fr-FR', 'espeak', 22050)
const espeakDe = voice('espeak-de', 'de', 'espeak', 22050)
const espeakEs = voice('espeak-es', 'es', 'espeak', 22050)
const VOICES = [slt, espeakEn, espeakFr, espeakDe, espeakEs]

const ssml = (body: string, v = slt, speed = 1) => readSsml(`<speak>${body}</speak>`, v, speed, VOICES)
/** The words spoken, segments joined by " | ", pauses as [ms]. */
const spoken = (body: string, v = slt) =>
  ssml(body, v)
    .segments.map((s) => (s.pause ? `[${s.pause.bleep ? 'bleep ' : ''}${s.pause.mark ?? s.pause.ms}]` : s.text))
    .join(' | ')
const sayAs = (content: string, attrs: string, v = slt) => ssml(`<say-as ${attrs}>${content}</say-as>`, v).segments.map((s) => s.text).join(' ')

describe('text and structure', () => {
  it('reads text between tags as plain text is read, with the spans of its words in the SSML', () => {
    const text = '<speak>Call me at 3:30 p.m. today.</speak>'
    const { segments } = readSsml(text, slt, 1, VOICES)
    expect(segments.map((s) => s.text)).toEqual(read('Call me at 3:30 p.m. today.', slt).map((s) => s.text))
    const words = segments.flatMap((s) => s.spans.map((sp) => text.slice(sp.from, sp.to)))
    expect(words).toContain('3:30 p.m.')
    expect(words[0]).toBe('Call')
  })

  it('punctuation right after an element ends its last word, as in plain text', () => {
    const { segments } = ssml('Your code is <say-as interpret-as="digits">12</say-as>. Thanks')
    expect(segments.map((s) => s.text)).toEqual(read('Your code is one two. Thanks', slt).map((s) => s.text))
    expect(segments.flatMap((s) => s.spans)).toHaveLength(segments.flatMap((s) => s.text.split(' ')).length)
  })

  it('p and s end a segment; w is accepted', () => {
    expect(spoken('<p>One two</p><p><s>Three four</s><s>five</s></p>')).toBe('One two | Three four | five')
    expect(spoken('I <w role="amazon:VB">read</w> it')).toBe('I read it')
  })

  it('plain text is read as before when text_type is text, even if it looks like SSML', () => {
    const text = '<speak>Hi</speak>'
    expect(readInput(text, slt, 1, { type: 'text', voices: VOICES }).segments).toEqual(read(text, slt))
    expect(readInput('Hello there.', slt, 1, { voices: VOICES }).segments).toEqual(read('Hello there.', slt))
    expect(() => readInput('Hi', slt, 1, { type: 'ssml', voices: VOICES })).toThrow(SsmlError)
  })
})

describe('break', () => {
  it.each([
    ['time="500ms"', 500], ['time="2s"', 2000], ['time="1.5s"', 1500], ['time="0ms"', 0],
    ['strength="none"', 0], ['strength="x-weak"', 100], ['strength="weak"', 250], ['strength="medium"', 400],
    ['strength="strong"', 700], ['strength="x-strong"', 1000], ['', 400], ['time="300ms" strength="x-strong"', 300],
  ])('<break %s/> is %d ms of silence between the words', (attrs, ms) => {
    expect(spoken(`Hello <break ${attrs}/> world`)).toBe(`Hello | [${ms}] | world`)
  })

  it.each(['time="11s"', 'time="5 s"', 'time="fast"', 'strength="huge"'])('refuses <break %s/>, saying where', (attrs) => {
    expect(() => ssml(`\n<break ${attrs}/>`)).toThrow(SsmlError)
    expect(() => ssml(`\n<break ${attrs}/>`)).toThrow(/line 2/)
  })
})

describe('sub and say-as', () => {
  it('sub speaks its alias, spanned over the whole element', () => {
    const text = '<speak>My favorite chemical element is <sub alias="aluminium">Al</sub>.</speak>'
    const { segments } = readSsml(text, slt, 1, VOICES)
    expect(segments.map((s) => s.text).join(' ')).toContain('aluminium')
    expect(segments.map((s) => s.text).join(' ')).not.toMatch(/\bAl\b/)
    const words = segments.flatMap((s) => s.text.split(' '))
    const span = segments.flatMap((s) => s.spans)[words.findIndex((w) => w.startsWith('aluminium'))]
    expect(text.slice(span.from, span.to)).toBe('<sub alias="aluminium">Al</sub>')
  })

  it.each([
    ['characters', 'hello', 'H E L L O'],
    ['spell-out', 'W3C', 'W three C'],
    ['cardinal', '12345', 'twelve thousand three hundred forty-five'],
    ['number', '-3.5', 'minus three point five'],
    ['ordinal', '1234', 'one thousand two hundred thirty-fourth'],
    ['digits', '12345', 'one two three four five'],
    ['telephone', '(888) 555-1212', 'eight eight eight, five five five, one two one two'],
    ['fraction', '3/20', 'three twentieths'],
    ['fraction', '2 1/2', 'two and one half'],
    ['unit', '10 lb', 'ten pounds'],
    ['address', '123 Main St.', 'one hundred twenty-three Main Street.'],
    ['time', `1'21"`, 'one minute twenty-one seconds'],
  ])('interpret-as="%s" reads %s as "%s" (English)', (as, content, words) => {
    expect(sayAs(content, `interpret-as="${as}"`)).toBe(words)
  })

  it.each([
    ['mdy', '09/01/2024', 'September first, twenty twenty-four'],
    ['dmy', '01-09-2024', 'September first, twenty twenty-four'],
    ['ymd', '2024-09-01', 'September first, twenty twenty-four'],
    ['md', '9/1', 'September first'],
    ['dm', '1.9', 'September first'],
    ['ym', '2024-09', 'September, twenty twenty-four'],
    ['my', '09/2024', 'September, twenty twenty-four'],
    ['d', '1', 'the first'],
    ['m', '9', 'September'],
    ['y', '1999', 'nineteen ninety-nine'],
  ])('date format="%s": %s is "%s"', (format, content, words) => {
    expect(sayAs(content, `interpret-as="date" format="${format}"`)).toBe(words)
  })

  it('reads dates, ordinals and digits in the voice language', () => {
    expect(sayAs('2024-03-01', 'interpret-as="date" format="ymd"', espeakFr)).toBe('premier mars 2024')
    expect(sayAs('3.4.2024', 'interpret-as="date" format="dmy"', espeakDe)).toBe('dritten April 2024')
    expect(sayAs('14/06/2024', 'interpret-as="date" format="dmy"', espeakEs)).toBe('14 de junio de 2024')
    expect(sayAs('3', 'interpret-as="ordinal"', espeakFr)).toBe('troisième')
    expect(sayAs('123', 'interpret-as="digits"', espeakDe)).toBe('1 2 3')
    expect(sayAs('1.234', 'interpret-as="cardinal"', espeakDe)).toBe('1234')
  })

  it('bleeps an expletive for about as long as the word', () => {
    expect(spoken('Oh <say-as interpret-as="expletive">darn</say-as> there')).toBe('Oh | [bleep 320] | there')
  })

  it('refuses an unknown interpret-as or date format', () => {
    expect(() => ssml('<say-as interpret-as="money">5</say-as>')).toThrow(/interpret-as="money"/)
    expect(() => ssml('<say-as interpret-as="date" format="qqq">5</say-as>')).toThrow(/format="qqq"/)
  })
})

describe('prosody and emphasis', () => {
  const delivery = (body: string, speed = 1) => ssml(body, slt, speed).segments.map((s) => ({ text: s.text, speed: s.speed, gain: s.gain, pitch: s.pitch }))

  it.each([['x-slow', 0.5], ['slow', 0.75], ['medium', 1], ['fast', 1.25], ['x-fast', 1.5], ['150%', 1.5], ['20%', 0.5], ['200%', 2]])(
    'rate="%s" is speed %d (within the engines\' 0.5–2)', (rate, speed) => {
      expect(delivery(`<prosody rate="${rate}">Hello</prosody>`)).toEqual([{ text: 'Hello', speed, gain: 0, pitch: 0 }])
    },
  )

  it('rate multiplies the request speed', () => {
    expect(delivery('<prosody rate="x-fast">Hi</prosody>', 1.2)[0].speed).toBeCloseTo(1.8)
  })

  it.each([['silent', -Infinity], ['x-soft', -12], ['soft', -6], ['medium', 0], ['loud', 6], ['x-loud', 12], ['+3dB', 3], ['-6.5dB', -6.5]])(
    'volume="%s" is a gain of %d dB', (volume, gain) => {
      expect(delivery(`<prosody volume="${volume}">Hello</prosody>`)[0].gain).toBe(gain)
    },
  )

  it.each([['x-low', -40], ['low', -20], ['medium', 0], ['high', 20], ['x-high', 40], ['+10%', 10], ['-15%', -15], ['default', 0]])('pitch="%s" is %d%%', (pitch, change) => {
    expect(delivery(`<prosody pitch="${pitch}">Hello</prosody>`)[0].pitch).toBe(change)
  })

  it('a change of delivery starts a new segment, and nested prosody adds up', () => {
    expect(delivery('Hi <prosody volume="loud">there <prosody volume="+2dB">you</prosody></prosody>').map((d) => [d.text, d.gain])).toEqual([['Hi', 0], ['there', 6], ['you', 8]])
  })

  it.each([['strong', 0.85, 4], ['moderate', 0.92, 2], ['none', 1, 0], ['reduced', 1.1, -4]])('emphasis level="%s": slower and louder (%d, %d dB)', (level, speed, gain) => {
    expect(delivery(`<emphasis level="${level}">Hello</emphasis>`)[0]).toMatchObject({ speed, gain })
  })

  it.each(['rate="warp"', 'rate="300%"', 'volume="11"', 'volume="+30dB"', 'pitch="shrill"'])('refuses prosody %s', (attrs) => {
    expect(() => ssml(`<prosody ${attrs}>x</prosody>`)).toThrow(SsmlError)
  })
})

describe('lang, phoneme and mark', () => {
  it('lang gives its words to a voice of that language, the same engine first', () => {
    const { segments } = ssml('Hello <lang xml:lang="fr-FR">Il est 14h30</lang> bye', espeakEn)
    expect(segments.map((s) => [s.voice.id, s.text])).toEqual([['espeak-en-us', 'Hello'], ['espeak-fr-fr', 'Il est 14 heures 30'], ['espeak-en-us', 'bye']])
    expect(ssml('<lang xml:lang="de">1.234,5</lang>', slt).segments[0].voice.id).toBe('espeak-de')
  })

  it('lang with no voice of that language keeps the voice, and says so', () => {
    const r = ssml('<lang xml:lang="ja-JP">konnichiwa</lang>')
    expect(r.segments[0].voice.id).toBe('slt')
    expect(r.warnings.join()).toMatch(/ja-JP/)
  })

  it('phoneme: IPA (or X-SAMPA) for eSpeak NG and Piper, the text with a warning on Flite', () => {
    const ipa = 'təˈmɑːtoʊ'
    expect(ssml(`<phoneme alphabet="ipa" ph="${ipa}">tomato</phoneme>`, espeakEn)).toEqual(expect.objectContaining({ warnings: [] }))
    expect(ssml(`<phoneme alphabet="ipa" ph="${ipa}">tomato</phoneme>`, espeakEn).segments[0].text).toBe(`${IPA_OPEN}${ipa}${IPA_CLOSE}`)
    expect(ssml('<phoneme alphabet="x-sampa" ph="t@&quot;mA:toU">tomato</phoneme>', espeakEn).segments[0].text).toBe(`${IPA_OPEN}${ipa}${IPA_CLOSE}`)
    const flite = ssml(`<phoneme alphabet="ipa" ph="${ipa}">tomato</phoneme>`)
    expect(flite.segments[0].text).toBe('tomato')
    expect(flite.warnings[0]).toMatch(/flite voices cannot speak phonemes/)
    expect(() => ssml('<phoneme alphabet="arpabet" ph="T AH0">x</phoneme>')).toThrow(SsmlError)
  })

  it('IPA becomes eSpeak NG phoneme names, X-SAMPA becomes IPA', () => {
    expect(ipaToEspeak('təˈmɑːtoʊ')).toBe("t@'mA:toU")
    expect(ipaToEspeak('ˈθɪŋk')).toBe("'TINk")
    expect(toIpa('"h@loU', 'x-sampa')).toBe('ˈhəloʊ')
    expect(toIpa('/ˈhɛloʊ/', 'ipa')).toBe('ˈhɛloʊ')
  })

  it('mark is a point of the audio between the words, no longer', () => {
    expect(spoken('Hello <mark name="here"/>world')).toBe('Hello | [here] | world')
    expect(ssml('<mark name="m"/>').segments[0].pause).toEqual({ ms: 0, mark: 'm' })
    expect(() => ssml('<mark/>')).toThrow(/mark needs a name/)
  })

  it('refuses an element it does not support, naming it', () => {
    expect(() => ssml('<audio src="http://x/y.mp3"/>')).toThrow(/<audio> is not supported/)
  })
})

describe('any document', () => {
  it('is read into segments or refused as bad SSML, never anything else', () => {
    const word = fc.constantFrom('Hello', '42', '3/4', '-7.5', '13/45/2024', 'W3C', '1999', '', ' ', '&amp;', '&lt;', 'é', '1'.repeat(40), '12:30', "1'21\"")
    const attr = fc.tuple(
      fc.constantFrom('time', 'strength', 'alias', 'interpret-as', 'format', 'rate', 'volume', 'pitch', 'level', 'xml:lang', 'alphabet', 'ph', 'name', 'role'),
      fc.constantFrom('500ms', '2s', 'x-strong', 'x', 'digits', 'date', 'characters', 'ordinal', 'telephone', 'expletive', 'dmy', 'ym', 'y', 'fast', '150%', 'loud', '-6dB', '+20%', 'strong', 'fr-FR', 'de', 'zz', 'ipa', 'x-sampa', 'təˈmɑːtoʊ', 't@"mA:toU', 'm1', ''),
    )
    const tag = fc.constantFrom('p', 's', 'w', 'break', 'sub', 'say-as', 'prosody', 'emphasis', 'lang', 'phoneme', 'mark', 'voice')
    const node: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        word,
        fc.tuple(tag, fc.array(attr, { maxLength: 3 }), fc.array(tie('node'), { maxLength: 3 })).map(([t, attrs, kids]) => {
          const a = [...new Map(attrs)].map(([k, v]) => ` ${k}="${v}"`).join('')
          return kids.length ? `<${t}${a}>${kids.join(' ')}</${t}>` : `<${t}${a}/>`
        }),
      ),
    })).node
    fc.assert(
      fc.property(fc.array(node, { maxLength: 4 }), fc.constantFrom(slt, espeakEn, espeakFr, espeakDe), (kids, v) => {
        try {
          const { segments } = readSsml(`<speak>${kids.join(' ')}</speak>`, v, 1, VOICES)
          for (const s of segments) expect(s.spans.length).toBe(s.text ? s.text.split(' ').length : 0)
        } catch (err) {
          if (!(err instanceof SsmlError)) throw err
        }
      }),
      { numRuns: 500 },
    )
  })
})
