// SSML (and PLS, the lexicon's file format) text → a tree of elements and text, with each text's
// place in the input (for word spans) and each element's line and column (for errors). saxes is a strict, maintained XML parser that
// never reads a DTD: a document with a DOCTYPE is refused outright, so no entity can be declared
// (billion laughs) and none can name a file or URL (XXE); only XML's five predefined entities and
// character references are read. Depth and element count are capped as the document is read.
import { SaxesParser } from 'saxes'

export interface XmlLimits {
  depth: number
  elements: number
}

export const SSML_LIMITS: XmlLimits = { depth: 32, elements: 2000 }

/** Bad SSML (or PLS), with where in the document (1-based line and column). */
export class SsmlError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${reason} (line ${line}, column ${column})`)
  }
}

export interface SsmlText {
  kind: 'text'
  text: string
  /** Where it starts in the input; character references make `text` shorter than its source. */
  from: number
  to: number
}

export interface SsmlElement {
  kind: 'element'
  name: string
  attributes: Record<string, string>
  children: SsmlNode[]
  /** From its start tag to the end of its end tag, in the input. */
  from: number
  to: number
  line: number
  column: number
}

export type SsmlNode = SsmlText | SsmlElement

/**
 * Whether a request's text is SSML when its type is not given: its root is `<speak>`. A text that
 * opens as an XML document does (a declaration, a DOCTYPE) is parsed too, so that a DOCTYPE is
 * refused rather than read aloud.
 */
export const looksLikeSsml = (text: string): boolean => /^\s*(?:<\?xml\b|<!DOCTYPE\b|<speak[\s>/])/.test(text)

/** The `<speak>` root of `text`, or an SsmlError. */
export const parseSsml = (text: string): SsmlElement => parseXml(text, 'speak', SSML_LIMITS)

/** The root of `text`, which must be a `root` element, or an SsmlError. */
export function parseXml(text: string, rootName: string, limits: XmlLimits): SsmlElement {
  const parser = new SaxesParser<{ xmlns: false; position: true }>({ xmlns: false, position: true })
  const stack: SsmlElement[] = []
  let root: SsmlElement | undefined
  let count = 0
  let failure: SsmlError | undefined
  const fail = (reason: string) => {
    failure ??= new SsmlError(reason, parser.line, parser.column + 1)
    throw failure
  }
  // Where the current tag began: the parser's position when the previous token ended.
  let tokenStart = 0
  parser.on('doctype', () => fail('a DOCTYPE is not allowed (no entities can be declared)'))
  parser.on('processinginstruction', () => fail('processing instructions are not allowed'))
  parser.on('opentag', (tag) => {
    if (stack.length >= limits.depth) fail(`elements are nested deeper than ${limits.depth}`)
    if (++count > limits.elements) fail(`more than ${limits.elements} elements`)
    const el: SsmlElement = { kind: 'element', name: tag.name, attributes: { ...(tag.attributes as Record<string, string>) }, children: [], from: tokenStart, to: parser.position, line: parser.line, column: parser.column + 1 }
    if (!root) {
      if (tag.name !== rootName) fail(`the root element must be <${rootName}>, not <${tag.name}>`)
      root = el
    } else {
      stack.at(-1)?.children.push(el)
    }
    if (!tag.isSelfClosing) stack.push(el)
    tokenStart = parser.position
  })
  parser.on('closetag', (tag) => {
    const el = stack.at(-1)
    if (el?.name === tag.name) {
      el.to = parser.position
      stack.pop()
    }
    tokenStart = parser.position
  })
  parser.on('text', (t) => {
    // Text is given when the next tag's "<" has been read.
    const end = parser.position - 1
    stack.at(-1)?.children.push({ kind: 'text', text: t, from: tokenStart, to: end })
    tokenStart = end
  })
  parser.on('cdata', (t) => {
    stack.at(-1)?.children.push({ kind: 'text', text: t, from: tokenStart, to: parser.position })
    tokenStart = parser.position
  })
  parser.on('comment', () => void (tokenStart = parser.position))
  parser.on('xmldecl', () => void (tokenStart = parser.position))
  parser.on('error', (err) => fail(err.message.replace(/^(?:[^:]*:)?\d+:\d+: /, '')))
  try {
    parser.write(text).close()
  } catch (err) {
    if (failure) throw failure
    throw new SsmlError(err instanceof Error ? err.message : String(err), parser.line, parser.column + 1)
  }
  if (!root) throw new SsmlError(`no <${rootName}> element`, parser.line, parser.column + 1)
  return root
}

/** The text inside an element, markup left out. */
export function textOf(el: SsmlElement): string {
  return el.children.map((c) => (c.kind === 'text' ? c.text : textOf(c))).join('')
}
