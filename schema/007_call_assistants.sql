-- A number may be answered by the built-in assistant (an LLM the service talks to itself) instead of
-- an agent app: its settings, as the API took them, on the number and on each call it answers. A
-- call keeps the model's token usage beside its audio, and a transcript of both sides: each turn of
-- the caller's as transcribed, each of the agent's with what the caller heard of it.
ALTER TABLE phone_numbers ADD COLUMN IF NOT EXISTS assistant jsonb;
ALTER TABLE calls ADD COLUMN IF NOT EXISTS assistant jsonb;
ALTER TABLE calls ADD COLUMN IF NOT EXISTS model_input_tokens bigint NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN IF NOT EXISTS model_output_tokens bigint NOT NULL DEFAULT 0;

CREATE TABLE IF NOT EXISTS call_transcripts (
  id         bigserial PRIMARY KEY,
  call_id    uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
  speaker    text NOT NULL,                   -- caller | agent
  text       text NOT NULL,                   -- what the caller said, or what the agent wrote
  heard      text,                            -- the agent's: what the caller heard of it
  outcome    text,                            -- the agent's: played | interrupted | ended
  at         timestamptz NOT NULL             -- when the turn began
);
CREATE INDEX IF NOT EXISTS call_transcripts_call_idx ON call_transcripts (call_id, at, id);
