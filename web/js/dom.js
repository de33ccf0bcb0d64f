// Small DOM helpers: elements built with text content only (never HTML strings), so nothing the
// API returns can become markup.
export const $ = (id) => document.getElementById(id)

/** h('td', { class: 'x' }, 'text', child): attributes, then text or nodes as children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value == null) continue
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value)
    else el.setAttribute(name, value === true ? '' : value)
  }
  for (const c of children) if (c != null) el.append(c instanceof Node ? c : String(c))
  return el
}

/** Shows an error's words in an alert region (empty clears it). */
export function say(el, errorOrText) {
  el.textContent = errorOrText instanceof Error ? errorOrText.message : errorOrText ?? ''
}

/** Runs `fn`, showing what went wrong in `el`; the button is disabled meanwhile. */
export async function attempt(el, fn, button) {
  say(el, '')
  if (button) button.disabled = true
  try {
    return await fn()
  } catch (err) {
    if (err.name !== 'AbortError') say(el, err)
  } finally {
    if (button) button.disabled = false
  }
}

export const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—')
