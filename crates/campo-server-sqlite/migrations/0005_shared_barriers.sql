-- Barrier log forms go to every tablet of their project (a follow-up may be written on any
-- barrier), so pull finds them by their instrument without opening every body. Kept for
-- every submission: it is in the body already, and says nothing more.
ALTER TABLE records ADD COLUMN instrument_id TEXT;
UPDATE records SET instrument_id = json_extract(body, '$.instrument_id') WHERE kind = 'submission';
CREATE INDEX records_barrier_log ON records (project_id, pseq) WHERE instrument_id = 'barrier_log';
