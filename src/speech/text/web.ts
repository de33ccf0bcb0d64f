// URLs and e-mail addresses, read the way a person says them on the phone so the caller can
// type them: "example dot com slash path". Digits inside are read one by one for the same reason.

import { digitByDigit } from './numbers.js'
import { needs } from './needs.js'

const SYMBOL_WORDS: Record<string, string> = {
  '.': 'dot', '/': 'slash', '-': 'dash', _: 'underscore', '?': 'question mark', '=': 'equals',
  '&': 'and', '#': 'hash', ':': 'colon', '~': 'tilde', '%': 'percent', '@': 'at', '+': 'plus',
}

function spell(part: string): string {
  return part
    .replace(/\d+/g, (d) => ` ${digitByDigit(d)} `)
    .replace(/[./\-_?=&#:~%@+]/g, (c) => ` ${SYMBOL_WORDS[c]} `)
    .replace(/ {2,}/g, ' ')
    .trim()
}

// Sentence punctuation after an address belongs to the sentence, not the address.
function splitTrailing(match: string): [string, string] {
  const m = /[.,;:!?)\]'"]+$/.exec(match)
  return m ? [match.slice(0, m.index), m[0]] : [match, '']
}

function speakUrl(raw: string): string {
  let body = raw.replace(/^[a-z]+:\/\//i, '').replace(/^www\./i, '').replace(/\/+$/, '')
  const slash = body.search(/[/?#]/)
  const host = slash < 0 ? body : body.slice(0, slash)
  body = host.toLowerCase() + (slash < 0 ? '' : body.slice(slash))
  return spell(body)
}

// Digits may touch an address ("0https://…", "example.com0"): the number pass splits them off later,
// and a second normalize must then find no address left to read.
const URL_WITH_SCHEME = needs('://', /(?<![a-z])(?:https?|ftp):\/\/[^\s<>"]+/gi)
const WWW_URL = needs(/www\./i, /(?<![a-z_.@-])www\.[^\s<>"]+/gi)
const EMAIL = needs('@', /(?<![\w.+-])[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+(?![\w-])/gi)
// Bare domains only with a common top-level domain, so "e.g." or "3.5" never look like one.
// It starts only where a label can start, so a long run of digits or letters is scanned once.
const TLD = 'com|org|net|edu|gov|io|co|uk|us|ca|de|fr|ai|app|dev|info|biz|me|tv'
const BARE_DOMAIN = needs(
  new RegExp(String.raw`\.(?:${TLD})`, 'i'),
  new RegExp(String.raw`(?<![a-z0-9_.-])(?:[a-z0-9-]+\.)+(?:${TLD})(?:\/[^\s<>"]*)?(?![a-z_]|-[a-z])`, 'gi'),
)

export function readWeb(text: string): string {
  const url = (m: string) => {
    const [addr, tail] = splitTrailing(m)
    return addr ? speakUrl(addr) + tail : m
  }
  return text
    .replace(URL_WITH_SCHEME, url)
    .replace(EMAIL, (m) => {
      const at = m.indexOf('@')
      return `${spell(m.slice(0, at))} at ${spell(m.slice(at + 1).toLowerCase())}`
    })
    .replace(WWW_URL, url)
    .replace(BARE_DOMAIN, url)
}
