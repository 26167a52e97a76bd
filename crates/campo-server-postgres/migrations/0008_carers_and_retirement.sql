-- A device's last contact, questionnaire versions retired, and a carer's rights: the
-- project's information sheet and retention period, and the carers the office forgot.
-- The same change as SQLite's 0008.

-- When the device last pushed or pulled; NULL until it does.
ALTER TABLE devices ADD COLUMN last_seen_at timestamptz;

-- A retired version stays (what was collected with it still counts) but tablets stop
-- offering it: the retirement is numbered in the project's counter so each tablet's next
-- pull tells it.
ALTER TABLE instruments ADD COLUMN retired_at timestamptz;
ALTER TABLE instruments ADD COLUMN retired_seq bigint;

-- campo_core::consent::InformationSheet; NULL while the project has none.
ALTER TABLE projects ADD COLUMN information_sheet jsonb
    CHECK (information_sheet IS NULL OR jsonb_typeof(information_sheet) = 'object');
-- Months after the pilot's end (the targets' pilot_end) after which every carer's code
-- is forgotten; NULL keeps them.
ALTER TABLE projects ADD COLUMN retention_months integer
    CHECK (retention_months BETWEEN 0 AND 1200);

-- A forgotten carer, named by the ids of the roster entries that held their code, never by the
-- code: tablets learn the code from the records of these they hold. Numbered in the
-- project's counter (under the project's row lock) so each tablet's next pull brings it.
CREATE TABLE erasures (
    project_id text NOT NULL REFERENCES projects (id),
    seq        bigint NOT NULL,
    records    uuid[] NOT NULL,
    erased_at  timestamptz NOT NULL,
    PRIMARY KEY (project_id, seq)
);
