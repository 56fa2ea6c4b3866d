-- Users, the inquiries they send, and the knowledge base loaded from locales/knowledge.
-- Timestamps are UTC in ISO 8601 ("2026-11-21T23:45:00Z").

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,          -- Telegram user id
    first_name    TEXT NOT NULL DEFAULT '',
    last_name     TEXT,
    username      TEXT,
    language_code TEXT,                         -- as Telegram last sent it
    language      TEXT CHECK (language IN ('id', 'en')),  -- the user's own choice
    subscribed    INTEGER NOT NULL DEFAULT 0,
    blocked       INTEGER NOT NULL DEFAULT 0,
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL
);

CREATE TABLE inquiries (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER,
    language    TEXT NOT NULL,
    question    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'auto_answered', 'answered', 'resolved', 'spam')),
    entry_id    TEXT,
    score       REAL,
    topic       TEXT,
    answer      TEXT,
    answered_by INTEGER,
    answered_at TEXT,
    helpful     INTEGER CHECK (helpful IN (0, 1))
);
CREATE INDEX inquiries_by_status ON inquiries (status, created_at);
CREATE INDEX inquiries_by_user ON inquiries (user_id, created_at);

CREATE TABLE kb_entries (
    id       TEXT PRIMARY KEY,
    topic    TEXT NOT NULL,
    reviewed TEXT NOT NULL,
    related  TEXT NOT NULL DEFAULT '[]',        -- JSON list of entry ids
    keywords TEXT NOT NULL DEFAULT '[]',        -- JSON list
    sources  TEXT NOT NULL DEFAULT '[]',        -- JSON list of {title, url}
    origin   TEXT NOT NULL DEFAULT 'file' CHECK (origin IN ('file', 'staff')),
    status   TEXT NOT NULL DEFAULT 'published' CHECK (status IN ('published', 'draft'))
);

CREATE TABLE kb_texts (
    entry_id  TEXT NOT NULL REFERENCES kb_entries (id) ON DELETE CASCADE,
    language  TEXT NOT NULL,
    title     TEXT NOT NULL,
    answer    TEXT NOT NULL,
    details   TEXT NOT NULL DEFAULT '',
    questions TEXT NOT NULL DEFAULT '[]',       -- JSON list of example questions
    PRIMARY KEY (entry_id, language)
);
