// `phoneme`: the author's pronunciation, as IPA (or X-SAMPA, turned into IPA here). Piper voices
// take IPA as they are trained on it; eSpeak NG reads its own phoneme names between `[[ ]]`
// (Kirshenbaum-like ASCII), so IPA is mapped to the nearest of them, symbol by symbol.

/** Marks the IPA of a `phoneme` inside a segment's text (private-use characters: no text has them). */
export const IPA_OPEN = '\uE000'
export const IPA_CLOSE = '\uE001'

/** Engines that speak IPA given inside a segment's text (Flite has no phoneme input). */
export const PHONEME_ENGINES = new Set(['espeak', 'piper'])

// Longest first: affricates and diphthongs before their parts.
const XSAMPA: [string, string][] = [
  ['tS', 'tʃ'], ['dZ', 'dʒ'], ['@`', 'ɚ'], ['3`', 'ɝ'], ['r\\', 'ɹ'], ['R\\', 'ʀ'], ['i:', 'iː'],
  ['"', 'ˈ'], ['%', 'ˌ'], [':', 'ː'], ['@', 'ə'], ['{', 'æ'], ['}', 'ʉ'], ['1', 'ɨ'], ['2', 'ø'], ['3', 'ɜ'],
  ['6', 'ɐ'], ['7', 'ɤ'], ['9', 'œ'], ['&', 'ɶ'], ['A', 'ɑ'], ['B', 'β'], ['C', 'ç'], ['D', 'ð'], ['E', 'ɛ'],
  ['F', 'ɱ'], ['G', 'ɣ'], ['H', 'ɥ'], ['I', 'ɪ'], ['J', 'ɲ'], ['L', 'ʎ'], ['M', 'ɯ'], ['N', 'ŋ'], ['O', 'ɔ'],
  ['Q', 'ɒ'], ['R', 'ʁ'], ['S', 'ʃ'], ['T', 'θ'], ['U', 'ʊ'], ['V', 'ʌ'], ['W', 'ʍ'], ['X', 'χ'], ['Y', 'ʏ'],
  ['Z', 'ʒ'], ['?', 'ʔ'], ['4', 'ɾ'], ['5', 'ɫ'], ['8', 'ɵ'], ['a', 'a'], ['b', 'b'], ['c', 'c'], ['d', 'd'],
  ['e', 'e'], ['f', 'f'], ['g', 'ɡ'], ['h', 'h'], ['i', 'i'], ['j', 'j'], ['k', 'k'], ['l', 'l'], ['m', 'm'],
  ['n', 'n'], ['o', 'o'], ['p', 'p'], ['q', 'q'], ['r', 'r'], ['s', 's'], ['t', 't'], ['u', 'u'], ['v', 'v'],
  ['w', 'w'], ['x', 'x'], ['y', 'y'], ['z', 'z'], ['.', '.'], [' ', ' '],
]

// IPA → eSpeak NG's phoneme names (those its English and European tables share).
const ESPEAK: [string, string][] = [
  ['tʃ', 'tS'], ['dʒ', 'dZ'], ['eɪ', 'eI'], ['aɪ', 'aI'], ['aʊ', 'aU'], ['oʊ', 'oU'], ['əʊ', 'oU'], ['ɔɪ', 'OI'],
  ['ɪə', 'i@'], ['eə', 'e@'], ['ʊə', 'U@'], ['ɜː', '3:'], ['ɑː', 'A:'], ['ɔː', 'O:'], ['iː', 'i:'], ['uː', 'u:'],
  ['ˈ', "'"], ['ˌ', ','], ['ː', ':'], ['ə', '@'], ['ɚ', '3'], ['ɝ', '3:'], ['æ', 'a'], ['ɑ', 'A'], ['ɒ', '0'],
  ['ɔ', 'O'], ['ɛ', 'E'], ['ɪ', 'I'], ['ʊ', 'U'], ['ʌ', 'V'], ['ɜ', '3'], ['ɐ', 'a#'], ['ø', 'Y'], ['œ', 'W'],
  ['ʏ', 'y'], ['ɨ', 'i'], ['ʉ', 'u'], ['ŋ', 'N'], ['ʃ', 'S'], ['ʒ', 'Z'], ['θ', 'T'], ['ð', 'D'], ['ɹ', 'r'],
  ['ɾ', '*'], ['ʁ', 'R'], ['ʀ', 'R'], ['ɫ', 'l'], ['ɡ', 'g'], ['ç', 'C'], ['χ', 'x'], ['ɣ', 'Q'], ['β', 'B'],
  ['ɲ', 'n^'], ['ʎ', 'l^'], ['ʔ', '?'], ['ɥ', 'j'], ['ʍ', 'w'], ['ɱ', 'm'], ['ɵ', '@'], ['ɤ', 'o'], ['ɯ', 'u'],
]

function mapLongest(text: string, table: [string, string][], keepUnknown: boolean): string {
  let out = ''
  for (let at = 0; at < text.length; ) {
    const hit = table.find(([from]) => text.startsWith(from, at))
    if (hit) {
      out += hit[1]
      at += hit[0].length
    } else {
      const char = String.fromCodePoint(text.codePointAt(at)!)
      if (keepUnknown || /^[a-z]$/.test(char)) out += char
      at += char.length
    }
  }
  return out
}

/** The IPA of a `phoneme` element's `ph`, whatever its `alphabet`; undefined for an unknown alphabet. */
export function toIpa(ph: string, alphabet: string | undefined): string | undefined {
  const clean = ph.trim().replace(/[/[\]]/g, '')
  if (alphabet === undefined || alphabet === 'ipa') return clean.normalize('NFC')
  if (alphabet === 'x-sampa') return mapLongest(clean, XSAMPA, true)
  return undefined
}

/** IPA as eSpeak NG's phoneme input (what it reads between `[[ ]]`); unknown symbols are dropped. */
export const ipaToEspeak = (ipa: string): string => mapLongest(ipa.normalize('NFC').replace(/\s+/g, ' '), ESPEAK, false)
