-- The first answer to a deploy with an Idempotency-Key, kept with the key: a repeat of the
-- request gets that answer again (status code and body), whatever the bot has done since.
ALTER TABLE bots ADD COLUMN first_answer_status integer;

ALTER TABLE bots ADD COLUMN first_answer jsonb;
