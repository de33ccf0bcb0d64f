-- Phone calls the service answered or placed. `id` is ours and is what a stream token is bound to;
-- `call_sid` is Twilio's, unknown for an outbound call until Twilio has accepted it.
CREATE TABLE IF NOT EXISTS calls (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  call_sid       text UNIQUE,
  direction      text NOT NULL,                 -- inbound | outbound-api | outbound-dial
  from_number    text,
  to_number      text,
  status         text NOT NULL,
  -- queued 0, initiated 1, ringing 2, in-progress 3, any final status 4. An update only ever
  -- raises it, so repeated or late status callbacks cannot bring an ended call back to life.
  status_rank    smallint NOT NULL,
  key_id         uuid,                          -- the API key that placed an outbound call
  text           text,                          -- what the stream says first
  voice_slug     text NOT NULL,
  barge_in_digit text,                          -- null: no barge-in key on this call
  stream_sid     text,
  frames_sent    bigint NOT NULL DEFAULT 0,
  ms_played      bigint NOT NULL DEFAULT 0,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  ended_at       timestamptz
);
CREATE INDEX IF NOT EXISTS calls_key_live_idx ON calls (key_id) WHERE ended_at IS NULL;
CREATE INDEX IF NOT EXISTS calls_created_at_idx ON calls (created_at);

-- What a dialled number says and with which voice. A number with no row gets the defaults.
CREATE TABLE IF NOT EXISTS phone_numbers (
  e164           text PRIMARY KEY,
  greeting       text NOT NULL,
  voice_slug     text NOT NULL,
  barge_in_digit text,                          -- null: the service default; 'none': no barge-in
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
