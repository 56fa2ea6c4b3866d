-- Two new inquiry statuses, and a parent for knowledge entries.
--   pending_choice: the bot offered entries to choose from and waits for the user's tap; an
--                   untapped prompt goes to staff as 'open' after CHOICE_TIMEOUT_MINUTES.
--   small_talk:     thanks, greetings, "ok": logged like every message, never work for staff.
-- SQLite cannot change a CHECK constraint in place, so the table is rebuilt, following the
-- procedure in SQLite's ALTER TABLE documentation (Database.migrate turns foreign keys off
-- around a migration and checks them before it commits).

CREATE TABLE inquiries_new (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    chat_id       INTEGER NOT NULL,
    message_id    INTEGER,
    language      TEXT NOT NULL,
    question      TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'open'
                  CHECK (status IN ('open', 'auto_answered', 'answered', 'resolved', 'spam',
                                    'pending_choice', 'small_talk')),
    entry_id      TEXT,
    score         REAL,
    topic         TEXT,
    answer        TEXT,
    answered_by   INTEGER,
    answered_at   TEXT,
    helpful       INTEGER CHECK (helpful IN (0, 1)),
    anonymised_at TEXT
);

INSERT INTO inquiries_new (id, user_id, chat_id, message_id, language, question, created_at,
                           status, entry_id, score, topic, answer, answered_by, answered_at,
                           helpful, anonymised_at)
SELECT id, user_id, chat_id, message_id, language, question, created_at, status, entry_id,
       score, topic, answer, answered_by, answered_at, helpful, anonymised_at
FROM inquiries;

DROP TABLE inquiries;
ALTER TABLE inquiries_new RENAME TO inquiries;

CREATE INDEX inquiries_by_status ON inquiries (status, created_at);
CREATE INDEX inquiries_by_user ON inquiries (user_id, created_at);
CREATE INDEX inquiries_by_created ON inquiries (created_at);

-- An overview entry and its parts (partnership-patterns -> pattern-waralaba): when both fit
-- a question about equally, the bot answers the parent and offers the part as a button.
ALTER TABLE kb_entries ADD COLUMN parent TEXT;
