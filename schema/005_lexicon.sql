-- The pronunciation lexicon: how a word is said in a language, by every voice of it. `language` is
-- a lower-cased BCP 47 tag ('en' applies to en-US and en-GB voices, 'en-gb' only to the latter);
-- `grapheme` is the word as written, lower-cased (matched whole and case-insensitively). An entry
-- is said as `alias` (text, read as text is) or as `phoneme` (IPA), never both.
CREATE TABLE IF NOT EXISTS lexicon (
  language    text NOT NULL,
  grapheme    text NOT NULL,
  alias       text,
  phoneme     text,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (language, grapheme),
  CHECK ((alias IS NULL) <> (phoneme IS NULL))
);
