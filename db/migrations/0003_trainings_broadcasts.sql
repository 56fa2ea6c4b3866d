-- Trainings and registrations, topic subscriptions, broadcasts with their durable delivery
-- queue, and the drafts of guided conversations (/newtraining, registration, /broadcast).
-- Timestamps are UTC in ISO 8601 ("2026-11-21T23:45:00Z"), as in 0001.

CREATE TABLE trainings (
    id                    INTEGER PRIMARY KEY,
    code                  TEXT UNIQUE,                -- stable key of an imported row
    programme             TEXT NOT NULL
                          CHECK (programme IN ('SCORE', 'SIYB', 'BHR', 'SSE', 'other')),
    texts                 TEXT NOT NULL,              -- JSON {locale: {title, description}}
    starts_at             TEXT NOT NULL,
    ends_at               TEXT NOT NULL,
    timezone              TEXT NOT NULL CHECK (timezone IN ('WIB', 'WITA', 'WIT')),
    place                 TEXT,
    online_url            TEXT,
    organiser             TEXT NOT NULL DEFAULT '',
    capacity              INTEGER CHECK (capacity IS NULL OR capacity > 0),  -- NULL: no limit
    registration_deadline TEXT,                       -- NULL: until it starts
    status                TEXT NOT NULL DEFAULT 'draft'
                          CHECK (status IN ('draft', 'published', 'cancelled')),
    created_by            INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    CHECK (ends_at >= starts_at)
);
CREATE INDEX trainings_by_start ON trainings (status, starts_at);

-- A registration is deleted when it is cancelled: nothing is kept that has no purpose.
CREATE TABLE registrations (
    id            INTEGER PRIMARY KEY,
    training_id   INTEGER NOT NULL REFERENCES trainings (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    full_name     TEXT NOT NULL,
    business_name TEXT NOT NULL,
    sector        TEXT NOT NULL,
    province      TEXT NOT NULL,
    phone         TEXT,
    consent_at    TEXT NOT NULL,                      -- the UU PDP consent, when given
    created_at    TEXT NOT NULL,
    UNIQUE (training_id, user_id)
);
CREATE INDEX registrations_by_user ON registrations (user_id);

-- Opt-in announcement topics. users.subscribed keeps meaning "subscribed to anything": the
-- triggers keep it in step, and clearing it (a user who blocks the bot, the old
-- set_subscribed(False)) removes every topic.
CREATE TABLE subscriptions (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    topic      TEXT NOT NULL CHECK (topic IN ('trainings', 'bhr', 'partnerships')),
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, topic)
) WITHOUT ROWID;
CREATE INDEX subscriptions_by_topic ON subscriptions (topic, user_id);

CREATE TRIGGER subscriptions_added AFTER INSERT ON subscriptions
BEGIN
    UPDATE users SET subscribed = 1 WHERE id = NEW.user_id AND subscribed = 0;
END;

CREATE TRIGGER subscriptions_removed AFTER DELETE ON subscriptions
BEGIN
    UPDATE users SET subscribed = 0
    WHERE id = OLD.user_id AND subscribed = 1
      AND NOT EXISTS (SELECT 1 FROM subscriptions WHERE user_id = OLD.user_id);
END;

CREATE TRIGGER users_unsubscribed AFTER UPDATE OF subscribed ON users
WHEN NEW.subscribed = 0 AND OLD.subscribed = 1
BEGIN
    DELETE FROM subscriptions WHERE user_id = NEW.id;
END;

-- Users who had the old single flag asked for "training announcements".
INSERT INTO subscriptions (user_id, topic, created_at)
SELECT id, 'trainings', last_seen FROM users WHERE subscribed = 1 AND blocked = 0;
UPDATE users SET subscribed = 0 WHERE subscribed = 1 AND blocked = 1;

-- One announcement (or a training reminder) and who should get it.
CREATE TABLE broadcasts (
    id                  INTEGER PRIMARY KEY,
    kind                TEXT NOT NULL DEFAULT 'announcement'
                        CHECK (kind IN ('announcement', 'reminder')),
    priority            INTEGER NOT NULL DEFAULT 1,   -- lower goes first: reminders are 0
    texts               TEXT NOT NULL,                -- JSON {locale: html}, as sent
    primary_language    TEXT NOT NULL,                -- the fallback text's language
    audience            TEXT NOT NULL CHECK (audience IN ('all', 'language', 'topic', 'training')),
    audience_value      TEXT,                         -- the language or the topic
    training_id         INTEGER REFERENCES trainings (id) ON DELETE SET NULL,
    status              TEXT NOT NULL
                        CHECK (status IN ('scheduled', 'sending', 'paused', 'done', 'cancelled')),
    send_at             TEXT NOT NULL,
    queue_cursor        INTEGER NOT NULL DEFAULT 0,   -- last user id added to the queue
    queued              INTEGER NOT NULL DEFAULT 0,   -- 1 once every recipient is queued
    created_by          INTEGER REFERENCES users (id) ON DELETE SET NULL,
    progress_message_id INTEGER,
    created_at          TEXT NOT NULL,
    started_at          TEXT,
    finished_at         TEXT,
    reported_at         TEXT,
    reminder_key        TEXT UNIQUE                   -- "<training>:<day|hour>:<starts_at>"
);
CREATE INDEX broadcasts_by_status ON broadcasts (status, send_at);

-- The durable queue: one row per recipient. A row is 'sending' from the moment the sender
-- claims it until the API call's outcome is written; at start-up those rows go back to
-- 'pending', so a crash re-sends at most the messages that were in flight.
CREATE TABLE broadcast_deliveries (
    id              INTEGER PRIMARY KEY,
    broadcast_id    INTEGER NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    locale          TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'blocked')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL DEFAULT '',         -- '' sorts first: due at once
    claimed_at      TEXT,
    done_at         TEXT,
    error           TEXT,
    UNIQUE (broadcast_id, user_id)
);
CREATE INDEX broadcast_deliveries_queue ON broadcast_deliveries (broadcast_id, status, id);
CREATE INDEX broadcast_deliveries_by_user ON broadcast_deliveries (user_id);

-- A guided conversation in progress, so a restart does not lose what a user has typed.
CREATE TABLE form_drafts (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    flow       TEXT NOT NULL,
    step       TEXT NOT NULL,
    data       TEXT NOT NULL DEFAULT '{}',           -- JSON
    updated_at TEXT NOT NULL
);
