import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { segment } from '../../src/speech/segment.js'
import { normalize } from '../../src/speech/normalize.js'

const collapse = (text: string) => text.replace(/\s+/g, ' ').trim()
const wordCount = (s: string) => s.split(' ').length

/**
 * The join invariant, checked exactly: walking the collapsed text, each segment must be the next
 * slice of it, and between two segments there is either one space (dropped) or the cut falls inside
 * a word longer than maxChars.
 */
function expectPartition(text: string, segments: string[], maxChars: number): void {
  const c = collapse(text)
  let pos = 0
  segments.forEach((s, i) => {
    expect(c.startsWith(s, pos), `segment ${i} ${JSON.stringify(s)} at ${pos}`).toBe(true)
    pos += s.length
    if (i === segments.length - 1) return
    if (c[pos] === ' ') pos += 1
    else {
      const start = c.lastIndexOf(' ', pos - 1) + 1
      const end = c.indexOf(' ', pos)
      expect((end < 0 ? c.length : end) - start, 'a cut inside a word needs an over-long word').toBeGreaterThan(maxChars)
    }
  })
  expect(pos).toBe(c.length)
}

describe('segment', () => {
  it('gives nothing for empty or blank text', () => {
    expect(segment('')).toEqual([])
    expect(segment(' \n\t ')).toEqual([])
  })

  it('splits sentences at . ! ? and line breaks', () => {
    expect(segment('Hello there. How are you? Fine! Thanks.')).toEqual(['Hello there.', 'How are you?', 'Fine!', 'Thanks.'])
    expect(segment('first line\nsecond line')).toEqual(['first line', 'second line'])
    expect(segment('He said "Stop." Then he left.')).toEqual(['He said "Stop."', 'Then he left.'])
    expect(segment('Really?! Yes…')).toEqual(['Really?!', 'Yes…'])
  })

  it('does not split after abbreviations, initials or inside numbers in raw text', () => {
    expect(segment('Dr. Smith is in. Mr. Jones is out.')).toEqual(['Dr. Smith is in.', 'Mr. Jones is out.'])
    expect(segment('J. R. R. Tolkien wrote it.')).toEqual(['J. R. R. Tolkien wrote it.'])
    expect(segment('It is 3.5 km. Go.')).toEqual(['It is 3.5 km.', 'Go.'])
    expect(segment('Fruit, e.g. Apples.')).toEqual(['Fruit, e.g. Apples.'])
    expect(segment('Made in the U.S. and sold.')).toEqual(['Made in the U.S. and sold.'])
    expect(segment('See No. 5 St. Louis.')).toEqual(['See No. 5 St. Louis.'])
    expect(segment('Due Oct. 7 at noon. I said no. Then left.')).toEqual(['Due Oct. 7 at noon.', 'I said no.', 'Then left.'])
  })

  it('splits after a period that ends a spelled "P M."', () => {
    expect(segment(normalize('See you at 7 a.m. Bye.'))).toEqual(['See you at seven A M.', 'Bye.'])
  })

  it('cuts a long first sentence at its first clause boundary', () => {
    expect(segment('Hello, this is Anna from the clinic about your visit.')).toEqual([
      'Hello,',
      'this is Anna from the clinic about your visit.',
    ])
    expect(segment('Thanks for waiting; your call matters to us a great deal.')).toEqual([
      'Thanks for waiting;',
      'your call matters to us a great deal.',
    ])
    expect(segment('Please hold on — an agent will be with you shortly.')).toEqual([
      'Please hold on —',
      'an agent will be with you shortly.',
    ])
  })

  it('else cuts the first sentence at a word boundary, never leaving one word or a dangling "the"', () => {
    expect(segment('one two three four five six seven eight nine')).toEqual(['one two three four five six', 'seven eight nine'])
    expect(segment('one two three four five six seven')).toEqual(['one two three four five', 'six seven'])
    expect(segment('We will call you back at the number on your file.')).toEqual([
      'We will call you back',
      'at the number on your file.',
    ])
    expect(segment(normalize('Your appointment is at 3:30 pm today.'))).toEqual(['Your appointment is', 'at three thirty P M today.'])
    expect(segment('one two three four', { firstMaxWords: 2 })).toEqual(['one two', 'three four'])
  })

  it('only shortens the first sentence', () => {
    const later = 'And this second sentence is long enough to be cut but is not'
    expect(segment(`Hi. ${later}.`)).toEqual(['Hi.', `${later}.`])
  })

  it('keeps segments within maxChars: clauses first, then words, then a hard split', () => {
    const text = 'Start. This is a longer sentence, with a clause here; and another one there: then words follow on and on.'
    const out = segment(text, { maxChars: 30 })
    expect(out).toEqual([
      'Start.',
      'This is a longer sentence,',
      'with a clause here;',
      'and another one there:',
      'then words follow on and on.',
    ])
    expect(segment(`${'a'.repeat(25)} b`, { maxChars: 10 })).toEqual(['aaaaaaaaaa', 'aaaaaaaaaa', 'aaaaa b'])
  })

  it('hard-splits unspaced scripts at their punctuation and never inside a character', () => {
    expect(segment('你好。我很好，谢谢你。今天天气很好，我们去公园散步吧。好的。', { maxChars: 12 })).toEqual([
      '你好。我很好，谢谢你。',
      '今天天气很好，',
      '我们去公园散步吧。好的。',
    ])
    const family = '👩‍👩‍👧‍👦'
    expect(segment(family.repeat(3), { maxChars: family.length })).toEqual([family, family, family])
    expect(segment('a😀b😀', { maxChars: 2 })).toEqual(['a', '😀', 'b', '😀'])
  })

  it('rejects options it cannot honour', () => {
    expect(() => segment('x', { maxChars: 1 })).toThrow(RangeError)
    expect(() => segment('x', { maxChars: 2.5 })).toThrow(RangeError)
    expect(() => segment('x', { firstMaxWords: 0 })).toThrow(RangeError)
  })
})

// Words of every kind the segmenter meets, including ones longer than any maxChars tried.
const word = fc.oneof(
  { weight: 5, arbitrary: fc.stringMatching(/^[a-zA-Z]{1,10}$/) },
  fc.constantFrom(
    'Dr.', 'Mr.', 'St.', 'e.g.', 'U.S.', 'J.', 'etc.', 'No.', '3.5', '1,234', '...', '…', '—', '-', '–', '"Hi."',
    '(ok)', 'end.', 'why?', 'wow!', 'so,', 'then;', 'note:', 'P', 'M.', 'Привет.', '你好。世界', '👩‍👩‍👧‍👦', 'e\u0301',
  ),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }),
  fc.stringMatching(/^[a-z.,;!?]{20,90}$/), // long words, longer than small maxChars
)
const gap = fc.constantFrom(' ', ' ', ' ', '  ', '\n', '\t', ' \n ', '\u00A0', '\u2028')
const text = fc.oneof(
  fc.array(fc.tuple(word, gap), { maxLength: 60 }).map((parts) => parts.map(([w, g]) => w + g).join('')),
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc.constantFrom('', ' ', '\n\n', '\t \u00A0'),
)
const options = fc.record({ maxChars: fc.integer({ min: 2, max: 240 }), firstMaxWords: fc.integer({ min: 1, max: 12 }) })

describe('segment properties', () => {
  it('partitions the collapsed text: non-empty trimmed segments within maxChars, a short first segment', () => {
    fc.assert(
      fc.property(text, options, (t, opts) => {
        const out = segment(t, opts)
        if (collapse(t) === '') expect(out).toEqual([])
        for (const s of out) {
          expect(s.length).toBeGreaterThan(0)
          expect(s.length).toBeLessThanOrEqual(opts.maxChars)
          expect(s).not.toMatch(/^\s|\s$|\s\s|[^\S ]/)
        }
        if (out.length > 0) expect(wordCount(out[0])).toBeLessThanOrEqual(opts.firstMaxWords)
        // A hard split never cuts a surrogate pair in two.
        if (!/\p{Cs}/u.test(t)) for (const s of out) expect(s).not.toMatch(/\p{Cs}/u)
        expectPartition(t, out, opts.maxChars)
      }),
      { numRuns: 5000 },
    )
  })

  it('joins back with spaces exactly when no word is longer than maxChars', () => {
    fc.assert(
      fc.property(text, options, (t, opts) => {
        const longest = Math.max(0, ...collapse(t).split(' ').map((w) => w.length))
        fc.pre(longest <= opts.maxChars)
        expect(segment(t, opts).join(' ')).toBe(collapse(t))
      }),
      { numRuns: 3000 },
    )
  })

  it('works on what normalize produces, with the defaults', () => {
    const raw = fc.array(
      fc.constantFrom('Dr. Smith', 'at 3:30 pm', 'call +1 415 555 0100.', 'It costs $12.50!', 'Oct 7, 2024', 'e.g.', 'Why?', 'yes,', 'no;', '\n', 'word'),
      { maxLength: 80 },
    )
    fc.assert(
      fc.property(raw, (parts) => {
        const normalized = normalize(parts.join(' '))
        const out = segment(normalized)
        expect(out.join(' ')).toBe(collapse(normalized))
        if (out.length > 0) expect(wordCount(out[0])).toBeLessThanOrEqual(6)
        for (const s of out) expect(s.length).toBeLessThanOrEqual(200)
      }),
      { numRuns: 1000 },
    )
  })
})
