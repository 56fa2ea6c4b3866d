-- One-time sign-in links for the staff web desk (`/web` in the bot).
-- Only a SHA-256 of the token is stored: a copy of the database (a backup, /mydata) cannot be
-- turned into a working link. A link is used at most once (used_at) and expires (expires_at).
-- Rows go with the user (ON DELETE CASCADE), like everything else tied to a person.

CREATE TABLE web_logins (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);

CREATE INDEX web_logins_expires ON web_logins (expires_at);
