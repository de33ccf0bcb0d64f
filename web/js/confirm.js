// A button that asks before it acts: the first press turns it into "Really …?", the second acts.
// (No window.confirm: it blocks the page and cannot be styled or reached the same way.)
import { h } from './dom.js'

export function confirmButton(text, really, act) {
  const button = h('button', { type: 'button', class: 'danger' }, text)
  let armed = false
  button.addEventListener('click', async () => {
    if (!armed) {
      armed = true
      button.textContent = really
      return
    }
    button.disabled = true
    await act()
    button.disabled = false
  })
  button.addEventListener('blur', () => {
    armed = false
    button.textContent = text
  })
  return button
}
