-- A usage row is keyed by the request id that the logs and error bodies show. That id may come
-- from the proxy in front (nginx's $request_id, 32 hex digits) or be ours (a time-ordered uuid), and
-- a WebSocket meters each flush group as `<request id>:<n>`: so it is text, still the primary key.
ALTER TABLE usage ALTER COLUMN request_id TYPE text;
