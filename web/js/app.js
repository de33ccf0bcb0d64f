// The console's entry: sign-in (the key kept in this tab's session storage only), the pages by
// the URL's #fragment, and what each page does when it is shown and left.
import { getJson, key } from './api.js'
import { $, attempt, say } from './dom.js'
import { forget } from './voices.js'
import { initPlayground, showPlayground } from './playground.js'
import { initNumbers, showNumbers } from './numbers.js'
import { hideCalls, initCalls, showCalls } from './calls.js'
import { hideKeys, initKeys, showKeys } from './keys.js'
import { initUsage, setUsageKey, showUsage } from './usage.js'

const PAGES = {
  playground: { show: showPlayground, error: 'speak-error' },
  numbers: { show: showNumbers, error: 'number-error' },
  calls: { show: showCalls, hide: hideCalls, error: 'calls-error' },
  keys: { show: showKeys, hide: hideKeys, error: 'keys-error' },
  usage: { show: showUsage, error: 'usage-error' },
}
let me = null
let shown = null

const allowed = (link) => !link.dataset.scope || me.scopes.includes(link.dataset.scope) || me.scopes.includes('admin')

function route() {
  const links = [...document.querySelectorAll('#nav a')].filter(allowed)
  const wanted = location.hash.slice(1)
  const name = links.some((a) => a.dataset.page === wanted) ? wanted : 'playground'
  if (shown && shown !== name) PAGES[shown].hide?.()
  shown = name
  for (const page of document.querySelectorAll('.page')) page.hidden = page.id !== `page-${name}`
  for (const a of document.querySelectorAll('#nav a')) {
    a.hidden = !allowed(a)
    if (a.dataset.page === name) a.setAttribute('aria-current', 'page')
    else a.removeAttribute('aria-current')
  }
  const heading = document.querySelector(`#page-${name} h2`)
  document.title = `${heading.textContent} · CallWaiting TTS console`
  heading.focus() // a keyboard or screen-reader user lands on the page they chose, not back in the nav
  void attempt($(PAGES[name].error), PAGES[name].show)
}

async function signIn(candidate) {
  key.set(candidate)
  try {
    me = (await getJson('/v1/auth/verify')).key
  } catch (err) {
    key.clear()
    throw err
  }
  setUsageKey(me)
  $('page-signin').hidden = true
  $('nav').hidden = false
  $('sign-out').hidden = false
  route()
}

function signOut() {
  if (shown) PAGES[shown].hide?.()
  key.clear()
  forget()
  me = shown = null
  for (const page of document.querySelectorAll('.page')) page.hidden = page.id !== 'page-signin'
  $('nav').hidden = true
  $('sign-out').hidden = true
  $('signin-key').value = ''
  $('signin-key').focus()
}

initPlayground()
initNumbers()
initCalls()
initKeys()
initUsage()
addEventListener('hashchange', () => me && route())
$('sign-out').addEventListener('click', signOut)
$('signin-form').addEventListener('submit', (e) => {
  e.preventDefault()
  void attempt($('signin-error'), () => signIn($('signin-key').value.trim()), e.submitter)
})
const saved = key.get()
if (saved) void signIn(saved).catch((err) => say($('signin-error'), err))
else $('signin-key').focus()
