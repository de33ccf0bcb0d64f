import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { normalize } from '../../src/speech/normalize.js'

type Case = [input: string, spoken: string]

const cases: Record<string, Case[]> = {
  cardinals: [
    ['0', 'zero'],
    ['7', 'seven'],
    ['13', 'thirteen'],
    ['40', 'forty'],
    ['99', 'ninety-nine'],
    ['100', 'one hundred'],
    ['101', 'one hundred one'],
    ['1000', 'one thousand'],
    ['1,234,567', 'one million two hundred thirty-four thousand five hundred sixty-seven'],
    ['2,000,000,005', 'two billion five'],
    ['I have 3 cats.', 'I have three cats.'],
    ['007', 'zero zero seven'],
    ['1,2,3', 'one, two, three'],
    ['12345678901234567890', 'one two three four five six seven eight nine zero one two three four five six seven eight nine zero'],
  ],
  'decimals and signs': [
    ['3.5', 'three point five'],
    ['0.5', 'zero point five'],
    ['.5', 'point five'],
    ['3.50', 'three point five zero'],
    ['-4', 'minus four'],
    ['x = -4', 'x equals minus four'],
    ['-2.5', 'minus two point five'],
    ['v2.0.1', 'v two dot zero dot one'],
  ],
  ordinals: [
    ['21st', 'twenty-first'],
    ['2nd', 'second'],
    ['3rd', 'third'],
    ['100th', 'one hundredth'],
    ['the 12th floor', 'the twelfth floor'],
    ['90th', 'ninetieth'],
  ],
  money: [
    ['$12.50', 'twelve dollars and fifty cents'],
    ['$1', 'one dollar'],
    ['$0.99', 'ninety-nine cents'],
    ['$1.01', 'one dollar and one cent'],
    ['$12.5', 'twelve dollars and fifty cents'],
    ['$1,000,000', 'one million dollars'],
    ['£5', 'five pounds'],
    ['£0.01', 'one penny'],
    ['€3.20', 'three euros and twenty cents'],
    ['$1.5 million', 'one point five million dollars'],
    ['$2M', 'two million dollars'],
    ['$5k', 'five thousand dollars'],
    ['$3bn', 'three billion dollars'],
    ['-$5', 'minus five dollars'],
    ['5€', 'five euros'],
    ['10 USD', 'ten dollars'],
    ['¥100', 'one hundred yen'],
    ['50¢', 'fifty cents'],
    ['$1.999', 'one point nine nine nine dollars'],
    ['It costs $20.', 'It costs twenty dollars.'],
    ['$10-$20', 'ten dollars to twenty dollars'],
  ],
  percentages: [
    ['45%', 'forty-five percent'],
    ['2.5%', 'two point five percent'],
    ['100 %', 'one hundred percent'],
    ['10-20%', 'ten to twenty percent'],
    ['-3%', 'minus three percent'],
  ],
  times: [
    ['3:30 pm', 'three thirty P M'],
    ['3:30pm', 'three thirty P M'],
    ['3:30 p.m.', 'three thirty P M.'],
    ['3:30 p.m. tomorrow', 'three thirty P M tomorrow'],
    ['3:30 PM', 'three thirty P M'],
    ['10:15 a.m. Then', 'ten fifteen A M. Then'],
    ['15:45', 'fifteen forty-five'],
    ['9:05', 'nine oh five'],
    ['09:05', 'nine oh five'],
    ['12:00', "twelve o'clock"],
    ['13:00', 'thirteen hundred'],
    ['00:00', 'midnight'],
    ['3pm', 'three P M'],
    ['7 a.m.', 'seven A M.'],
    ['12:00 pm', 'twelve P M'],
    ['10:15:30', 'ten fifteen and thirty seconds'],
    ['a ratio of 16:9', 'a ratio of sixteen to nine'],
    ['25:00', 'twenty-five to zero'],
  ],
  dates: [
    ['2024-10-07', 'October seventh, twenty twenty-four'],
    ['Oct 7, 2024', 'October seventh, twenty twenty-four'],
    ['October 7th, 2024', 'October seventh, twenty twenty-four'],
    ['Oct. 7 2024', 'October seventh, twenty twenty-four'],
    ['10/07/2024', 'October seventh, twenty twenty-four'],
    ['07.10.2024', 'October seventh, twenty twenty-four'],
    ['7 October 2024', 'October seventh, twenty twenty-four'],
    ['the 7th of October', 'the seventh of October'],
    ['Jan 1', 'January first'],
    ['October 2024', 'October twenty twenty-four'],
    ['2024-02-30', 'two thousand twenty-four, zero two, thirty'],
    ['2024-02-29', 'February twenty-ninth, twenty twenty-four'],
    ['in 1999', 'in nineteen ninety-nine'],
    ['since 2005', 'since two thousand five'],
    ['by 2030,', 'by twenty thirty,'],
    ['born 1905', 'born nineteen oh five'],
    ['in 1900', 'in nineteen hundred'],
    ['1999 tickets', 'one thousand nine hundred ninety-nine tickets'], // a count; alone, "1999" is a year (reading-us.test.ts)
    ['1999-2005', 'nineteen ninety-nine to two thousand five'],
    ['the 1990s', 'the nineteen nineties'],
    ["the '80s", 'the eighties'],
    ['© 2024', 'copyright twenty twenty-four'],
  ],
  'phone numbers': [
    ['+1 415 555 0100', 'plus one, four one five, five five five, zero one zero zero'],
    ['(415) 555-0100', 'four one five, five five five, zero one zero zero'],
    ['415-555-0100', 'four one five, five five five, zero one zero zero'],
    ['415.555.0100', 'four one five, five five five, zero one zero zero'],
    ['+14155550100', 'plus one, four one five, five five five, zero one zero zero'],
    ['+1 (415) 555-0100', 'plus one, four one five, five five five, zero one zero zero'],
    ['1-800-555-0100', 'one eight hundred, five five five, zero one zero zero'],
    ['4155550100', 'four one five, five five five, zero one zero zero'],
    ['555-0100', 'five five five, zero one zero zero'],
    ['+44 20 7183 8750', 'plus four four, two zero, seven one eight three, eight seven five zero'],
    ['+442071838750', 'plus four four, two zero seven, one eight three, eight seven five zero'],
    ['+33123456789', 'plus three three, one two three, four five six, seven eight nine'],
    ['415-555-0100 ext. 23', 'four one five, five five five, zero one zero zero, extension two three'],
    ['Call 415-555-0100.', 'Call four one five, five five five, zero one zero zero.'],
    ['2000000000', 'two billion'],
  ],
  abbreviations: [
    ['Dr. Smith', 'Doctor Smith'],
    ['12 Oak Dr.', 'twelve Oak Drive.'],
    ['12 Oak Dr. is closed', 'twelve Oak Drive is closed'],
    ['Call Dr. Smith', 'Call Doctor Smith'],
    ['St. Louis', 'Saint Louis'],
    ['on Main St. Then left', 'on Main Street. Then left'],
    ['5th St.', 'fifth Street.'],
    ['Mr. and Mrs. Smith', 'Mister and Missus Smith'],
    ['Ms. Jones', 'Miz Jones'],
    ['Mr Smith', 'Mister Smith'],
    ['John Smith Jr.', 'John Smith Junior.'],
    ['Smith vs. Jones', 'Smith versus Jones'],
    ['apples, pears, etc.', 'apples, pears, et cetera.'],
    ['fruit, e.g. apples', 'fruit, for example apples'],
    ['one, i.e. this', 'one, that is this'],
    ['in the a.m.', 'in the A M.'],
    ['No. 5', 'Number five'],
    ['I said No.', 'I said No.'],
    ['100 Park Ave.', 'one hundred Park Avenue.'],
    ['approx. 5', 'approximately five'],
    ['Acme Inc. is here', 'Acme Incorporated is here'],
  ],
  symbols: [
    ['Tom & Jerry', 'Tom and Jerry'],
    ['bob.smith@example.com', 'bob dot smith at example dot com'],
    ['Mail jane_doe+tts@mail.example.co.uk.', 'Mail jane underscore doe plus tts at mail dot example dot co dot uk.'],
    ['#5', 'number five'],
    ['press # to confirm', 'press pound to confirm'],
    ['press * to go back', 'press star to go back'],
    ['**bold** text', 'bold text'],
    ['J*r', 'J r'],
    ['Acme™Corp®', 'Acme Corp'],
    ['@example.com', 'at example dot com'],
    ['#hello', 'hashtag hello'],
    ['2+2=4', 'two plus two equals four'],
    ['C++ and C#', 'C plus plus and C sharp'],
    ['72°F', 'seventy-two degrees Fahrenheit'],
    ['-5°C', 'minus five degrees Celsius'],
    ['1°', 'one degree'],
    ['~5 kg', 'about five kilograms'],
    ['<5%', 'less than five percent'],
    ['yes/no', 'yes or no'],
    ['1/2 cup', 'one half cup'],
    ['3/4', 'three quarters'],
    ['24/7', 'twenty-four seven'],
    ['5½', 'five and a half'],
    ['5 km in 20 min', 'five kilometers in twenty minutes'],
    ['A4 and 3D', 'A four and three D'],
    ['COVID-19', 'COVID nineteen'],
  ],
  urls: [
    ['https://www.example.com/path', 'example dot com slash path'],
    ['http://example.com/', 'example dot com'],
    ['Visit www.Example.com.', 'Visit example dot com.'],
    ['Go to example.org/help-desk now', 'Go to example dot org slash help dash desk now'],
    ['https://shop.example.com/item?id=42', 'shop dot example dot com slash item question mark id equals four two'],
    ['See (https://example.com).', 'See (example dot com).'],
  ],
  'text hygiene': [
    ['  hello \t  world  ', 'hello world'],
    ['one\n\n\ntwo', 'one\ntwo'],
    ['a\r\nb', 'a\nb'],
    ['he\u0000llo\u0007 there\u200B', 'hello there'],
    ['Hello, world! How are you? Fine; thanks: bye.', 'Hello, world! How are you? Fine; thanks: bye.'],
    ['Привет, мир', 'Привет, мир'],
    ['こんにちは世界', 'こんにちは世界'],
    ['مرحبا بالعالم', 'مرحبا بالعالم'],
    ['Temp −4', 'Temp minus four'],
    ['', ''],
  ],
}

describe('normalize', () => {
  for (const [category, table] of Object.entries(cases)) {
    describe(category, () => {
      it.each(table)('%j → %j', (input, spoken) => {
        expect(normalize(input)).toBe(spoken)
      })
    })
  }

  it('reads a realistic call script end to end', () => {
    const script =
      'Hi Mr. Lee, this is Dr. Patel\'s office at 12 Oak Dr. Your visit is on Oct 7, 2024 at 3:30 pm. ' +
      'The copay is $25.50 (about 45% off). Call +1 415 555 0100 or email help@clinic.example.com.'
    expect(normalize(script)).toBe(
      "Hi Mister Lee, this is Doctor Patel's office at twelve Oak Drive. Your visit is on October seventh, " +
        'twenty twenty-four at three thirty P M. The copay is twenty-five dollars and fifty cents (about ' +
        'forty-five percent off). Call plus one, four one five, five five five, zero one zero zero or email ' +
        'help at clinic dot example dot com.',
    )
  })
})

// Text made of the things normalize reads, glued with spaces, punctuation and line breaks.
const piece = fc.oneof(
  fc.constantFrom(
    'Dr.', 'St.', 'Mr.', 'No.', 'etc.', 'e.g.', 'a.m.', 'p.m.', 'vs.', 'Oak', 'Main', 'Smith', 'the', 'call',
    '&', '@', '#', '+', '=', '%', '°F', '$', '€', '£', '-', '–', '/', ':', '.', ',', '!', '?', ';', '(', ')',
    'https://www.example.com/a?b=1', 'bob@example.com', 'example.com', '+1 415 555 0100', '(415) 555-0100',
    '2024-10-07', 'Oct 7, 2024', '3:30 pm', '15:45', '21st', '$12.50', '$2M', '45%', '1/2', '5½', '24/7',
    'Привет', 'こんにちは', 'مرحبا', '👩‍👩‍👧‍👦', 'e\u0301', '\u0000', '\u200B', '\u2028',
  ),
  fc.integer({ min: -1_000_000, max: 10_000_000_000 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map(String),
  fc.stringMatching(/^[0-9]{1,20}$/),
  fc.stringMatching(/^[$€£#+-]?[0-9]{1,4}([.,:/-][0-9]{1,4}){0,3}(st|th|%|pm|am|k|M)?$/),
  fc.string({ unit: 'grapheme-ascii', maxLength: 12 }),
)
const separator = fc.constantFrom(' ', '', '  ', '\n', '\t', ', ', '. ', '-', '/')
const realistic = fc
  .array(fc.tuple(piece, separator), { maxLength: 30 })
  .map((parts) => parts.map(([p, s]) => p + s).join(''))
const anyText = fc.oneof(realistic, fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ maxLength: 200 }))

describe('normalize properties', () => {
  it('never throws, and leaves no ASCII digit, control character or stray whitespace', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const out = normalize(text)
        expect(out).not.toMatch(/[0-9]/)
        expect(out).not.toMatch(/(?![\n])[\p{Cc}\p{Cs}]/u)
        expect(out).toBe(out.trim())
        expect(out).not.toMatch(/\s\s/)
      }),
      { numRuns: 3000 },
    )
  })

  it('is idempotent: its output reads back unchanged', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const once = normalize(text)
        expect(normalize(once)).toBe(once)
      }),
      // Counterexamples found before: a word written by a late pass gave an earlier one new context.
      { numRuns: 3000, examples: [['@example.com '], ['J*r'], ['=A Dr'], ['#.DE '], ['@.ME ']] },
    )
  })

  it('leaves text with nothing to read as it was, up to whitespace', () => {
    const plain = fc
      .stringMatching(/^[A-Za-z\u0400-\u04FF\u3040-\u30FF ,;!?'"]{0,80}$/)
      // dotless abbreviations and weekdays, and Roman numerals after a name
      .filter((t) => !/\b(?:Mrs?|Ms|Dr|St|[Vv]s|[Ee]tc|Jr|Sr|Ave|Blvd|Mon|Tues?|Wed|Thu(?:rs?)?|Fri|T?bsp|tsp)\b|\b\p{Lu}\p{Ll}+ [IVX]{2,6}\b/u.test(t))
    fc.assert(
      fc.property(plain, (text) => {
        expect(normalize(text)).toBe(text.replace(/\s+/g, ' ').replace(/ (?=[,;!?])/g, '').replace(/,(?=\p{L})/gu, ', ').trim())
      }),
      { numRuns: 1000 },
    )
  })
})
