-- Cek Bisnis & HAM: the self-check's runs and answers, and an anonymous per-area tally.
--
-- A user has at most one unfinished run (being answered) and at most one finished run (their
-- last result); every answer is written as it is given, so a check survives a restart. Both
-- belong to the user and go with them (ON DELETE CASCADE, as /forgetme deletes the users row);
-- every per-user table names user_id itself, so /mydata (which follows foreign keys to users)
-- finds the answers too.
-- selfcheck_area_counts holds no user id and is never deleted with a user: it counts, per area,
-- each SME's latest result by colour, so staff can see which areas most often score red.

CREATE TABLE selfcheck_runs (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    started_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX selfcheck_runs_by_user ON selfcheck_runs (user_id, finished_at);
CREATE UNIQUE INDEX selfcheck_one_open_run ON selfcheck_runs (user_id) WHERE finished_at IS NULL;

CREATE TABLE selfcheck_answers (
    run_id      INTEGER NOT NULL REFERENCES selfcheck_runs (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    answer      TEXT NOT NULL CHECK (answer IN ('yes', 'partly', 'no', 'unsure')),
    answered_at TEXT NOT NULL,
    PRIMARY KEY (run_id, question_id)
);

-- The colours a finished run added to the tally, so a retake can take them back out.
CREATE TABLE selfcheck_run_areas (
    run_id  INTEGER NOT NULL REFERENCES selfcheck_runs (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    area    TEXT NOT NULL,
    colour  TEXT NOT NULL CHECK (colour IN ('green', 'amber', 'red')),
    PRIMARY KEY (run_id, area)
);

CREATE TABLE selfcheck_area_counts (
    area   TEXT NOT NULL,
    colour TEXT NOT NULL CHECK (colour IN ('green', 'amber', 'red')),
    count  INTEGER NOT NULL DEFAULT 0 CHECK (count >= 0),
    PRIMARY KEY (area, colour)
);
