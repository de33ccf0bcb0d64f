// The voice catalog, fetched once per sign-in: neural (Piper) voices first, then by name.
import { getJson } from './api.js'
import { h } from './dom.js'

let voices = null

export async function loadVoices() {
  if (!voices) {
    const { voices: list } = await getJson('/v1/voices')
    const rank = (v) => (v.engine === 'piper' ? 0 : 1)
    voices = list.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name))
  }
  return voices
}

export const forget = () => (voices = null)

export const label = (v) => `${v.name} (${v.slug}, ${v.language}, ${v.engine}${v.engine === 'piper' ? ', neural' : ''})`

/** Fills a <select> with voices (slugs as values), keeping `selected` when it is among them. */
export function fillVoiceSelect(select, list, selected) {
  select.replaceChildren(...list.map((v) => h('option', { value: v.slug, selected: v.slug === selected }, label(v))))
}
