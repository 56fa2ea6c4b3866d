-- PostgreSQL version of 0005_choices_small_talk.sql: PostgreSQL changes a CHECK constraint in
-- place, so the table is not rebuilt.

ALTER TABLE inquiries DROP CONSTRAINT inquiries_status_check;
ALTER TABLE inquiries ADD CONSTRAINT inquiries_status_check
    CHECK (status IN ('open', 'auto_answered', 'answered', 'resolved', 'spam',
                      'pending_choice', 'small_talk'));

ALTER TABLE kb_entries ADD COLUMN parent TEXT;
