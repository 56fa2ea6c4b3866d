-- The staff desk: roles, their audit trail, half-finished desk steps, the staff group's posts,
-- and the mark left on an inquiry whose personal data has been removed.
-- Timestamps are UTC in ISO 8601 ("2026-11-21T23:45:00Z").

-- Staff added in the bot by an administrator (administrators themselves come from STAFF_IDS).
-- A staff member must have started the bot first: Telegram lets a bot write only to people
-- who did, and the desk shows staff by name.
CREATE TABLE staff (
    user_id  INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    added_by INTEGER NOT NULL,                  -- Telegram id of the administrator
    added_at TEXT NOT NULL
);

-- Who granted or withdrew a staff role, and when. Deliberately not tied to users: an
-- accountability record of officials acting in their role must outlive a /forgetme by either
-- of them. It holds Telegram ids only, never names or message text.
CREATE TABLE staff_audit (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor_id  INTEGER NOT NULL,
    action    TEXT NOT NULL CHECK (action IN ('add', 'remove')),
    target_id INTEGER NOT NULL
);

-- One unfinished desk step per staff member: the next text they send in the private chat is
-- the answer to an inquiry ('reply') or a knowledge-base text ('kb_text'). Kept in SQLite so a
-- restart between "Reply" and "Send" loses nothing.
CREATE TABLE staff_steps (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('reply', 'kb_text')),
    inquiry_id INTEGER REFERENCES inquiries (id) ON DELETE CASCADE,
    entry_id   TEXT REFERENCES kb_entries (id) ON DELETE CASCADE,
    language   TEXT,
    draft      TEXT,                             -- the answer typed so far, awaiting "Send"
    started_at TEXT NOT NULL
);

-- Inquiries posted to the staff group (STAFF_CHAT_ID): a reply to one of these messages
-- answers that inquiry. The mapping is ours, so it works whatever Telegram reveals about the
-- original sender.
CREATE TABLE staff_posts (
    chat_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    inquiry_id INTEGER NOT NULL REFERENCES inquiries (id) ON DELETE CASCADE,
    posted_at  TEXT NOT NULL,
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX staff_posts_by_inquiry ON staff_posts (inquiry_id);

-- Set when the question, answer and user link of an inquiry were removed (/forgetme or the
-- retention period); the row stays for anonymous counts.
ALTER TABLE inquiries ADD COLUMN anonymised_at TEXT;
CREATE INDEX inquiries_by_created ON inquiries (created_at);
