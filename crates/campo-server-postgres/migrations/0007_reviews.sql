-- The office's review of submissions: one row per reviewed submission, the latest word
-- kept (a submission with no row is `received`). The same change as SQLite's 0007. A
-- change is numbered in the project's counter under the project's row lock, like a record
-- (see records.rs), so the vault that sent the submission is sent the note at its next
-- pull and a cursor never skips one.
--
-- No foreign key on submission_id: a submission is a records row per revision, with no
-- key of its own; the store checks it is a submission of the project before writing.
CREATE TABLE reviews (
    project_id    text NOT NULL REFERENCES projects (id),
    submission_id uuid NOT NULL,
    state         text NOT NULL
                  CHECK (state IN ('received', 'has_issues', 'approved', 'excluded')),
    -- At most campo_wire::REVIEW_COMMENT_MAX characters.
    comment       text NOT NULL DEFAULT '' CHECK (char_length(comment) <= 1000),
    reviewer      text NOT NULL,
    reviewed_at   timestamptz NOT NULL,
    -- The project's counter value of the last change.
    seq           bigint NOT NULL,
    PRIMARY KEY (project_id, submission_id),
    -- Pull reads a project's reviews after a cursor in counter order; a value is handed
    -- out once per project.
    CONSTRAINT reviews_project_seq UNIQUE (project_id, seq)
);
