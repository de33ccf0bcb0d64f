// The pronunciation lexicon (admin): PUT /v1/lexicon/:language/:grapheme with an alias or a
// phoneme, GET /v1/lexicon?language=, DELETE /v1/lexicon/:language/:grapheme. A change is heard on
// every instance at once (plugins/lexicon.ts).
import { Type, type Static } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { ApiError } from '../errors.js'
import { errorRef, keySecurity, protectedErrors } from '../http/schemas.js'
import { deleteEntry, listEntries, putEntry } from '../store/lexicon.js'
import { lexiconEntry, LexiconInputError, lexiconKey, type LexiconEntry } from '../speech/lexicon.js'

const Language = Type.String({ pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$', maxLength: 35, description: "BCP 47 tag: 'en' applies to every English voice, 'en-GB' only to British ones" })
const Params = Type.Object({
  language: Language,
  grapheme: Type.String({ minLength: 1, maxLength: 100, description: 'The word (or words) as written; matched whole, in any case' }),
})
const Body = Type.Union([
  Type.Object({ alias: Type.String({ minLength: 1, maxLength: 200, description: 'Said instead of the word, read as text' }) }, { additionalProperties: false }),
  Type.Object({
    phoneme: Type.String({ minLength: 1, maxLength: 200, description: 'The pronunciation (eSpeak NG and Piper voices; Flite voices keep the word)' }),
    alphabet: Type.Optional(Type.Union([Type.Literal('ipa'), Type.Literal('x-sampa')], { description: 'ipa unless given' })),
  }, { additionalProperties: false }),
])
const EntryView = Type.Object({
  language: Type.String(),
  grapheme: Type.String(),
  alias: Type.Optional(Type.String()),
  phoneme: Type.Optional(Type.String({ description: 'IPA' })),
})

export default async function lexiconRoutes(app: FastifyInstance) {
  const common = { tags: ['lexicon'], security: keySecurity }

  app.put<{ Params: Static<typeof Params>; Body: Static<typeof Body> }>('/v1/lexicon/:language/:grapheme', {
    onRequest: app.requireKey('admin'),
    schema: { summary: 'Say a word this way in a language', ...common, params: Params, body: Body, response: { 200: EntryView, 201: EntryView, ...protectedErrors } },
  }, async (request, reply) => {
    let entry: LexiconEntry
    try {
      entry = lexiconEntry(request.params.language, request.params.grapheme, request.body)
    } catch (err) {
      if (err instanceof LexiconInputError) throw new ApiError('validation_failed', err.message)
      throw err
    }
    const created = await putEntry(app.db, entry)
    await app.lexiconChanged()
    return reply.code(created ? 201 : 200).send(entry)
  })

  const Query = Type.Object({ language: Type.Optional(Language) }, { additionalProperties: false })
  app.get<{ Querystring: Static<typeof Query> }>('/v1/lexicon', {
    onRequest: app.requireKey('admin'),
    schema: { summary: 'The lexicon, or one language of it', ...common, querystring: Query, response: { 200: Type.Object({ entries: Type.Array(EntryView) }), ...protectedErrors } },
  }, async (request) => ({ entries: await listEntries(app.db, request.query.language?.toLowerCase()) }))

  app.delete<{ Params: Static<typeof Params> }>('/v1/lexicon/:language/:grapheme', {
    onRequest: app.requireKey('admin'),
    schema: { summary: 'Forget how a word is said', ...common, params: Params, response: { 204: Type.Null(), 404: errorRef, ...protectedErrors } },
  }, async (request, reply) => {
    const { language, grapheme } = lexiconKey(request.params.language, request.params.grapheme)
    if (!(await deleteEntry(app.db, language, grapheme))) throw new ApiError('not_found', `No lexicon entry for "${grapheme}" in ${language}`)
    await app.lexiconChanged()
    return reply.code(204).send()
  })
}
