-- Flood control shared by several workers (PostgreSQL): one token bucket per user, updated
-- by a single atomic upsert, so a user's messages count together whichever worker takes
-- them. On SQLite (one process) the bot keeps the buckets in memory and leaves this empty.
-- Times are seconds since the epoch; verdict is what the last message got.

CREATE TABLE flood_buckets (
    user_id INTEGER PRIMARY KEY,
    tokens REAL NOT NULL,
    updated REAL NOT NULL,
    warned INTEGER NOT NULL DEFAULT 0,
    verdict TEXT NOT NULL DEFAULT 'allow'
);
CREATE INDEX flood_buckets_updated ON flood_buckets (updated);
