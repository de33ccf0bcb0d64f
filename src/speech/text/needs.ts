// Most text holds none of what a given rule reads, and the rules' patterns (lookbehinds, long
// alternations) are slow to rule out at every character. A search for something every match must
// hold (a character, a few in a row) is far cheaper, so each pattern is tried only on text that
// has it.

type Replacer = (substring: string, ...args: any[]) => string

/**
 * `pattern`, for `String.replace`, tried only when `needle` occurs in the text: a string (or any of
 * several), or a non-global RegExp that every match of `pattern` also matches somewhere.
 */
export function needs(needle: string | string[] | RegExp, pattern: RegExp) {
  const present =
    typeof needle === 'string' ? (text: string) => text.includes(needle)
    : Array.isArray(needle) ? (text: string) => needle.some((n) => text.includes(n))
    : (text: string) => needle.test(text)
  return {
    [Symbol.replace](text: string, replacement: string | Replacer): string {
      if (!present(text)) return text
      return typeof replacement === 'string' ? text.replace(pattern, replacement) : text.replace(pattern, replacement)
    },
  }
}
