// The words each language's reading rules write. Numbers themselves stay digits: eSpeak NG reads
// plain integers right in all of these languages (measured: `espeak-ng -v LANG -x`), so only what
// it misreads is written out here: the separators' words, currencies, hours, months and ordinals.

export type Code = 'es' | 'fr' | 'de' | 'it' | 'pt' | 'nl'
export type Currency = '€' | '$' | '£'

export interface CurrencyWords {
  /** Singular and plural name, and the word for one of it (gender: "una libra", "ein Euro"). */
  one: string
  many: string
  unit: string
  /** The hundredth: cents, céntimos, pence. */
  cents: string
  /** Names and codes written after an amount that make it money too ("12,50 Euro"). */
  written: string[]
}

export interface LanguageWords {
  /** How "12,50" is read: the decimal comma's word. */
  comma: string
  percent: string
  /** The international prefix "+". */
  plus: string
  /** Joins units and cents: "doce euros con cincuenta". */
  centsJoin: string
  currencies: Record<Currency, CurrencyWords>
  months: string[]
  /** Ordinal words from 1 to 31 (index 0 unused), where eSpeak cannot read the written form. */
  ordinals?: string[]
}

const MONTHS = {
  es: 'enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre',
  fr: 'janvier février mars avril mai juin juillet août septembre octobre novembre décembre',
  de: 'Januar Februar März April Mai Juni Juli August September Oktober November Dezember',
  it: 'gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre',
  pt: 'janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro',
  nl: 'januari februari maart april mei juni juli augustus september oktober november december',
}

const list = (words: string) => ['', ...words.split(' ')]

// German ordinals as they follow "am", "vom", "zum" (the dative, the usual case before a date).
const DE_ORDINALS = list(
  'ersten zweiten dritten vierten fünften sechsten siebten achten neunten zehnten elften zwölften ' +
    'dreizehnten vierzehnten fünfzehnten sechzehnten siebzehnten achtzehnten neunzehnten zwanzigsten ' +
    'einundzwanzigsten zweiundzwanzigsten dreiundzwanzigsten vierundzwanzigsten fünfundzwanzigsten ' +
    'sechsundzwanzigsten siebenundzwanzigsten achtundzwanzigsten neunundzwanzigsten dreißigsten einunddreißigsten',
)

const FR_ORDINALS = list(
  'premier deuxième troisième quatrième cinquième sixième septième huitième neuvième dixième onzième ' +
    'douzième treizième quatorzième quinzième seizième dix-septième dix-huitième dix-neuvième vingtième ' +
    'vingt-et-unième vingt-deuxième vingt-troisième vingt-quatrième vingt-cinquième vingt-sixième ' +
    'vingt-septième vingt-huitième vingt-neuvième trentième trente-et-unième',
)

const NL_ORDINALS = list(
  'eerste tweede derde vierde vijfde zesde zevende achtste negende tiende elfde twaalfde dertiende ' +
    'veertiende vijftiende zestiende zeventiende achttiende negentiende twintigste eenentwintigste ' +
    'tweeëntwintigste drieëntwintigste vierentwintigste vijfentwintigste zesentwintigste ' +
    'zevenentwintigste achtentwintigste negenentwintigste dertigste eenendertigste',
)

const currency = (one: string, many: string, unit: string, cents: string, ...written: string[]): CurrencyWords => ({
  one,
  many,
  unit,
  cents,
  written: [one, many, ...written],
})

export const WORDS: Record<Code, LanguageWords> = {
  es: {
    comma: 'coma',
    percent: 'por ciento',
    plus: 'más',
    centsJoin: 'con',
    currencies: {
      '€': currency('euro', 'euros', 'un', 'céntimos', 'EUR'),
      $: currency('dólar', 'dólares', 'un', 'centavos', 'USD'),
      '£': currency('libra', 'libras', 'una', 'peniques', 'GBP'),
    },
    months: list(MONTHS.es),
  },
  fr: {
    comma: 'virgule',
    percent: 'pour cent',
    plus: 'plus',
    centsJoin: '',
    currencies: {
      '€': currency('euro', 'euros', 'un', 'centimes', 'EUR'),
      $: currency('dollar', 'dollars', 'un', 'cents', 'USD'),
      '£': currency('livre', 'livres', 'une', 'pence', 'GBP'),
    },
    months: list(MONTHS.fr),
    ordinals: FR_ORDINALS,
  },
  de: {
    comma: 'Komma',
    percent: 'Prozent',
    plus: 'plus',
    centsJoin: '',
    currencies: {
      '€': currency('Euro', 'Euro', 'ein', 'Cent', 'EUR'),
      $: currency('Dollar', 'Dollar', 'ein', 'Cent', 'USD'),
      '£': currency('Pfund', 'Pfund', 'ein', 'Pence', 'GBP'),
    },
    months: list(MONTHS.de),
    ordinals: DE_ORDINALS,
  },
  it: {
    comma: 'virgola',
    percent: 'per cento',
    plus: 'più',
    centsJoin: 'e',
    currencies: {
      '€': currency('euro', 'euro', 'un', 'centesimi', 'EUR'),
      $: currency('dollaro', 'dollari', 'un', 'centesimi', 'USD'),
      '£': currency('sterlina', 'sterline', 'una', 'penny', 'GBP'),
    },
    months: list(MONTHS.it),
  },
  pt: {
    comma: 'vírgula',
    percent: 'por cento',
    plus: 'mais',
    centsJoin: 'e',
    currencies: {
      '€': currency('euro', 'euros', 'um', 'cêntimos', 'EUR'),
      $: currency('dólar', 'dólares', 'um', 'centavos', 'USD'),
      '£': currency('libra', 'libras', 'uma', 'pence', 'GBP'),
    },
    months: list(MONTHS.pt),
  },
  nl: {
    comma: 'komma',
    percent: 'procent',
    plus: 'plus',
    centsJoin: '',
    currencies: {
      '€': currency('euro', 'euro', 'een', 'cent', 'EUR'),
      $: currency('dollar', 'dollar', 'een', 'cent', 'USD'),
      '£': currency('pond', 'pond', 'een', 'pence', 'GBP'),
    },
    months: list(MONTHS.nl),
    ordinals: NL_ORDINALS,
  },
}
