-- The office's review of submissions: one row per reviewed submission, the latest word
-- kept (a submission with no row is `received`). A change is numbered in the project's
-- counter (`seq`, like records.pseq), so the vault that sent the submission is sent the
-- note at its next pull and a cursor never skips one.
--
-- No foreign key on submission_id: a submission is a records row per revision, with no
-- key of its own; the store checks it is a submission of the project before writing.
CREATE TABLE reviews (
    project_id    TEXT NOT NULL REFERENCES projects (id),
    submission_id TEXT NOT NULL,
    state         TEXT NOT NULL
                  CHECK (state IN ('received', 'has_issues', 'approved', 'excluded')),
    -- At most campo_wire::REVIEW_COMMENT_MAX characters (length() counts characters).
    comment       TEXT NOT NULL DEFAULT '' CHECK (length(comment) <= 1000),
    reviewer      TEXT NOT NULL,
    reviewed_at   TEXT NOT NULL,
    -- The project's counter value of the last change.
    seq           INTEGER NOT NULL,
    PRIMARY KEY (project_id, submission_id)
);
-- Pull reads a project's reviews after a cursor in counter order; a value is handed out
-- once per project.
CREATE UNIQUE INDEX reviews_project_seq ON reviews (project_id, seq);
