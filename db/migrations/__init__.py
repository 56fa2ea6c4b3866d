"""Numbered schema migrations, one set for SQLite and PostgreSQL.

Convention:

* ``NNNN_name.sql`` is the migration, written in SQLite's dialect, and applied as is on
  SQLite (in order, each in one transaction, recorded in ``PRAGMA user_version``).
* On PostgreSQL the same file is applied after three mechanical rewrites
  (:func:`db.dialects.postgresql_ddl`): ``id INTEGER PRIMARY KEY`` becomes a BIGINT identity
  column, every other ``INTEGER`` becomes ``BIGINT`` (Telegram ids exceed 32 bits) and
  ``REAL`` becomes ``DOUBLE PRECISION``; ``WITHOUT ROWID`` is dropped.
* Where the dialects truly differ (triggers, SQLite's table rebuilds), a file
  ``NNNN_name.postgresql.sql`` with the same number replaces the shared one on PostgreSQL.
  It must leave the same tables, columns (in the same order) and constraints.
* PostgreSQL records applied numbers in ``schema_migrations`` and applies all pending ones
  in one transaction under ``pg_advisory_xact_lock``, so workers starting together migrate
  once.

A new migration is a new number; a shipped file is never edited.
"""
