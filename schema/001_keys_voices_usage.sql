-- API keys: only a SHA-256 of each key is kept (hex), never the key itself.
CREATE TABLE IF NOT EXISTS api_keys (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name                  text NOT NULL,
  key_prefix            text NOT NULL,               -- first characters, for display and revoke
  key_hash              text NOT NULL UNIQUE,        -- hex SHA-256 of the whole key
  scopes                text[] NOT NULL DEFAULT ARRAY['tts']::text[],
  rate_limit_per_minute integer NOT NULL DEFAULT 60 CHECK (rate_limit_per_minute > 0),
  monthly_char_limit    bigint NOT NULL DEFAULT 1000000 CHECK (monthly_char_limit >= 0),
  created_at            timestamptz NOT NULL DEFAULT now(),
  last_used_at          timestamptz,
  revoked_at            timestamptz,
  CONSTRAINT api_keys_scopes_known CHECK (scopes <@ ARRAY['tts', 'calls', 'admin']::text[])
);
CREATE INDEX IF NOT EXISTS api_keys_key_prefix_idx ON api_keys (key_prefix);

-- The voice catalog, seeded from what the engines report; id is derived from the slug.
CREATE TABLE IF NOT EXISTS voices (
  id           uuid PRIMARY KEY,
  slug         text NOT NULL UNIQUE,
  display_name text NOT NULL,
  language     text NOT NULL,
  gender       text NOT NULL,
  engine       text NOT NULL,
  sample_rate  integer NOT NULL,
  enabled      boolean NOT NULL DEFAULT true,
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- One row per request. No foreign key to api_keys: metering must not fail (or slow down)
-- on a key that was deleted, and unauthenticated requests are recorded with a null key.
CREATE TABLE IF NOT EXISTS usage (
  id          bigserial PRIMARY KEY,
  request_id  text NOT NULL UNIQUE,   -- a retried batch cannot count a request twice
  key_id      uuid,
  voice_slug  text,
  characters  integer NOT NULL DEFAULT 0,
  audio_ms    integer NOT NULL DEFAULT 0,
  format      text,
  status      smallint NOT NULL,
  ttfa_ms     integer,
  total_ms    integer NOT NULL DEFAULT 0,
  endpoint    text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS usage_key_id_created_at_idx ON usage (key_id, created_at);
