// Bad and malicious SSML is refused with where it went wrong; no entity is ever expanded.
import { describe, expect, it } from 'vitest'
import { looksLikeSsml, parseSsml, SsmlError, SSML_LIMITS } from '../../../src/speech/ssml/parse.js'

const refused = (text: string) => {
  try {
    parseSsml(text)
  } catch (err) {
    expect(err).toBeInstanceOf(SsmlError)
    return err as SsmlError
  }
  throw new Error('accepted')
}

describe('parseSsml', () => {
  it('reads elements, attributes and text with their places in the input', () => {
    const text = '<speak>Hi <break time="1s"/>there &amp; <sub alias="x">y</sub></speak>'
    const root = parseSsml(text)
    expect(root.name).toBe('speak')
    const [hi, brk, there, sub] = root.children
    expect(hi).toMatchObject({ kind: 'text', text: 'Hi ' })
    expect(text.slice(hi.from, hi.to)).toBe('Hi ')
    expect(brk).toMatchObject({ kind: 'element', name: 'break', attributes: { time: '1s' } })
    expect(text.slice(brk.from, brk.to)).toBe('<break time="1s"/>')
    expect(there).toMatchObject({ kind: 'text', text: 'there & ' })
    expect(text.slice(sub.from, sub.to)).toBe('<sub alias="x">y</sub>')
  })

  it('knows SSML by its <speak> root, with or without an XML declaration', () => {
    expect(looksLikeSsml('<speak>Hi</speak>')).toBe(true)
    expect(looksLikeSsml('  <?xml version="1.0"?>\n<speak version="1.1">Hi</speak>')).toBe(true)
    expect(looksLikeSsml('<!DOCTYPE speak>\n<speak/>')).toBe(true)
    expect(looksLikeSsml('<speaker> is a word')).toBe(false)
    expect(looksLikeSsml('Say <speak>')).toBe(false)
  })

  it('refuses billion laughs: a DOCTYPE is never read, so no entity is declared', () => {
    const lol = '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n]>\n<speak>&lol2;</speak>'
    const err = refused(lol)
    expect(err.reason).toMatch(/DOCTYPE/)
    expect(err.line).toBe(5)
  })

  it('refuses XXE: no external entity, and an undeclared entity is an error', () => {
    expect(refused('<!DOCTYPE speak [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><speak>&xxe;</speak>').reason).toMatch(/DOCTYPE/)
    const err = refused('<speak>\n  &xxe;</speak>')
    expect(err).toMatchObject({ line: 2 })
    expect(err.reason).toMatch(/entity/)
  })

  it('refuses processing instructions, a root other than speak, and broken XML, saying where', () => {
    expect(refused('<speak><?php x ?></speak>').reason).toMatch(/processing/)
    expect(refused('<p>Hi</p>').reason).toMatch(/root element must be <speak>/)
    const err = refused('<speak>\n<s>Hi</p></speak>')
    expect(err).toMatchObject({ line: 2 })
    expect(err.message).toMatch(/line 2, column \d+/)
    expect(refused('<speak>Hi').reason).toMatch(/unclosed/)
  })

  it('caps depth and the number of elements', () => {
    expect(refused(`<speak>${'<s>'.repeat(SSML_LIMITS.depth)}x${'</s>'.repeat(SSML_LIMITS.depth)}</speak>`).reason).toMatch(/deeper/)
    expect(refused(`<speak>${'<break/>'.repeat(SSML_LIMITS.elements)}</speak>`).reason).toMatch(/more than/)
  })
})
