// What a US caller hears: written text → the words spoken, one row per thing a caller would have
// heard wrong (issue 19's table, found with `npm run say -- --show-text`). Add a row with every fix.
import { describe, expect, it } from 'vitest'
import { normalize } from '../../src/speech/normalize.js'

const rows: [written: string, spoken: string][] = [
  // Toll-free and vanity numbers: "800" is "eight hundred", the letters are a word.
  ['Call 1-800-FLOWERS today.', 'Call one eight hundred flowers today.'],
  ['Call 1-800-555-0199.', 'Call one eight hundred, five five five, zero one nine nine.'],
  ['1-888-GOT-JUNK', 'one eight eight eight got junk'],
  ['800-555-0199', 'eight hundred, five five five, zero one nine nine'],
  // Service numbers.
  ['In an emergency, dial 911.', 'In an emergency, dial nine one one.'],
  ['Call 411 for information.', 'Call four one one for information.'],
  // Dates written month/day, with and without a year.
  ['See you on 6/14.', 'See you on June fourteenth.'],
  ['Offer ends 12/31.', 'Offer ends December thirty-first.'],
  ['Born 11/5/24.', 'Born November fifth, twenty twenty-four.'],
  ['Due by 3/4.', 'Due by March fourth.'],
  ['Add 3/4 cup.', 'Add three quarters cup.'],
  // Rates.
  ['Only $25/month.', 'Only twenty-five dollars a month.'],
  ['Open 7 days/week.', 'Open seven days a week.'],
  ['$5.99/mo', 'five dollars and ninety-nine cents a month'],
  ['10 GB/month', 'ten gigabytes a month'],
  // Mixed numbers and kitchen units.
  ['3 1/2 tbsp sugar', 'three and a half tablespoons sugar'],
  ['2 3/4 cups', 'two and three quarters cups'],
  ['1/2 tsp salt', 'one half teaspoon salt'],
  // Order and reference numbers.
  ['Order #A12-345', 'Order number A one two, three four five'],
  ['Ticket #48213 is open.', 'Ticket number four eight two one three is open.'],
  ['Room #12', 'Room number twelve'],
  ['order 1500 units', 'order one thousand five hundred units'],
  // Hours and days.
  ['Open 9am-5pm Mon-Fri.', 'Open nine A M to five P M, Monday to Friday.'],
  ['From 10:30-11:30.', 'From ten thirty to eleven thirty.'],
  ['Closed Sat-Sun.', 'Closed Saturday to Sunday.'],
  // ZIP codes and codes, digit by digit.
  ['Austin, TX 78701', 'Austin, TX seven eight seven zero one'],
  ['TX 78701-1234', 'TX seven eight seven zero one, one two three four'],
  ['Your confirmation number is 48213.', 'Your confirmation number is four eight two one three.'],
  ['Your code is 427.', 'Your code is four two seven.'],
  ['PIN: 0042', 'PIN: zero zero four two'],
  // No sentence break inside a name; a year on its own.
  ['Lincoln Jr. High', 'Lincoln Junior High'],
  ['John Smith Jr. He called.', 'John Smith Junior. He called.'],
  ['1990', 'nineteen ninety'],
  ['Casablanca (1942)', 'Casablanca (nineteen forty-two)'],
  ['1990 people', 'one thousand nine hundred ninety people'],
  // Abbreviations that were left as written.
  ['Open Mon. through Sat.', 'Open Monday through Saturday.'],
  ['Thu at noon', 'Thursday at noon'],
  ['1 tbsp', 'one tablespoon'],
  ['See pg. 12.', 'See page twelve.'],
  ['Acme Co. will call.', 'Acme Company will call.'],
  ['World War II', 'World War Two'],
  ['Henry VIII', 'Henry the Eighth'],
  ['The Sun is up and I sat down.', 'The Sun is up and I sat down.'],
  ['Malcolm X', 'Malcolm X'],
]

describe('reading for US callers', () => {
  it.each(rows)('%j → %j', (written, spoken) => {
    expect(normalize(written)).toBe(spoken)
  })

  it.each(rows)('%j reads the same when read again', (written) => {
    expect(normalize(normalize(written))).toBe(normalize(written))
  })
})
