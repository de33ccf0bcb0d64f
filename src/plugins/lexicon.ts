// The pronunciation lexicon on every instance: read from the database at start-up, and read again
// whenever any instance changes it (a message over Redis pub/sub, in process without Redis), or
// Redis comes back (a change made while it was away was not heard).
import { LEXICON_CHANGED_CHANNEL as CHANNEL, listEntries } from '../store/lexicon.js'
import { global } from './global.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** After a change to the lexicon's rows: this instance reads them now, every other one at once. */
    lexiconChanged(): Promise<void>
  }
}

export default global(async (app) => {
  const reload = async () => app.synth.lexicon.replace(await listEntries(app.db))
  const reloadQuietly = () => void reload().catch((err: Error) => app.log.warn({ err: { message: err.message } }, 'could not read the lexicon'))
  await reload()
  const unsubscribe = app.pubsub.subscribe(CHANNEL, reloadQuietly)
  if (!(await app.pubsub.ready(2000))) app.log.warn('lexicon channel not subscribed yet')
  app.redis?.client.on('ready', reloadQuietly)
  app.addHook('onClose', async () => {
    unsubscribe()
    app.redis?.client.off('ready', reloadQuietly)
  })
  app.decorate('lexiconChanged', async () => {
    await reload()
    await app.pubsub.publish(CHANNEL, 'changed')
  })
})
