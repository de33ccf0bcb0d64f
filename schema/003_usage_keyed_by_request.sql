-- Usage rows are keyed by their request id, now a time-ordered uuid (version 7): one index fewer
-- than a bigserial id beside a unique text column, and each new row lands at the right-hand end of
-- the index instead of on a random page of it. Usage is written once per request, so this is the
-- database's share of every request's cost.
ALTER TABLE usage DROP CONSTRAINT IF EXISTS usage_pkey;
ALTER TABLE usage DROP COLUMN IF EXISTS id;
ALTER TABLE usage DROP CONSTRAINT IF EXISTS usage_request_id_key;
ALTER TABLE usage ALTER COLUMN request_id TYPE uuid USING request_id::uuid;
ALTER TABLE usage ADD PRIMARY KEY (request_id);
