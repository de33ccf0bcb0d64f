// Keys (admin): create with scopes and limits (the key shown once, with a copy button), list, revoke.
import { getJson, sendJson } from './api.js'
import { $, attempt, h, say, when } from './dom.js'
import { confirmButton } from './confirm.js'

const error = () => $('keys-error')
const number = (n) => n.toLocaleString()

async function list() {
  const { keys } = await getJson('/v1/keys')
  $('keys-table').tBodies[0].replaceChildren(...keys.map((k) => h('tr', { 'data-id': k.id },
    h('td', {}, k.name), h('td', { 'data-label': 'Key' }, h('code', {}, `${k.prefix}…`)), h('td', { 'data-label': 'Scopes' }, k.scopes.join(', ')),
    h('td', { 'data-label': 'Limits' }, `${number(k.rate_limit_per_minute)}/min, ${number(k.monthly_char_limit)} chars/month`),
    h('td', { 'data-label': 'Last used' }, when(k.last_used_at)),
    h('td', {}, k.revoked_at ? `Revoked ${when(k.revoked_at)}` : confirmButton('Revoke', `Really revoke ${k.name}?`, () => attempt(error(), async () => {
      await sendJson('DELETE', `/v1/keys/${k.id}`)
      await list()
    }))))))
}

async function create() {
  const scopes = [...document.querySelectorAll('input[name="scope"]:checked')].map((i) => i.value)
  if (scopes.length === 0) throw new Error('Choose at least one scope.')
  const made = await sendJson('POST', '/v1/keys', {
    name: $('key-name').value.trim(), scopes,
    rate_limit_per_minute: Number($('key-rate').value), monthly_char_limit: Number($('key-chars').value),
  })
  $('key-secret').value = made.key
  $('key-copied').textContent = ''
  $('key-made').hidden = false
  $('key-copy').focus()
  $('key-form').reset()
  await list()
}

export const showKeys = list

export function initKeys() {
  $('key-form').addEventListener('submit', (e) => {
    e.preventDefault()
    void attempt(error(), create, e.submitter)
  })
  $('key-copy').addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText($('key-secret').value)
      $('key-copied').textContent = 'Copied.'
    } catch {
      // No clipboard permission (plain http, or a browser that asks): select it for Ctrl+C instead.
      getSelection().selectAllChildren($('key-secret'))
      $('key-copied').textContent = 'Selected: press Ctrl+C (⌘C) to copy.'
    }
  })
}

/** Leaving the page forgets the key on screen: it is shown once. */
export function hideKeys() {
  $('key-secret').value = ''
  $('key-made').hidden = true
}
