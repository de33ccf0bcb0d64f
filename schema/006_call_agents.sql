-- A number or an outbound call may be handed to an agent (an app reached over a WebSocket that
-- converses with the caller): its settings, as the API took them. Such a number's first words are
-- the agent's welcome greeting, so its own greeting may be absent.
ALTER TABLE phone_numbers ADD COLUMN IF NOT EXISTS agent jsonb;
ALTER TABLE phone_numbers ALTER COLUMN greeting DROP NOT NULL;
ALTER TABLE calls ADD COLUMN IF NOT EXISTS agent jsonb;
