"""Online backup and offline restore of the database file, with SQLite's backup API.

Copying ``teman_umkm.db`` with ``cp`` while the bot runs is not a backup: recent commits live in
the ``-wal`` file, and a copy taken mid-write can be torn. SQLite's backup API instead copies
one consistent snapshot (a single read transaction) while the bot keeps writing; the bot waits
at most a moment for its next write (the busy timeout covers it).

Restoring replaces the live database, so it refuses while another process (the bot) has the
file open, keeps a copy of what it replaces, and checks the backup before touching anything.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from db.connection import _create_private_file, _migrations

BUSY_TIMEOUT_SECONDS = 10.0
"""How long backup and restore wait for the bot's write lock before giving up."""

BEFORE_RESTORE_SUFFIX = ".before-restore"
"""``restore`` keeps the database it replaces next to it, under this suffix."""

REQUIRED_TABLES = frozenset({"users", "inquiries"})


class BackupError(Exception):
    """Backup or restore cannot go ahead; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a backup file holds, for the command's one-line report."""

    path: Path
    schema_version: int
    inquiries: int
    size_bytes: int


@contextlib.contextmanager
def _connect(path: Path, *, read_only: bool = False) -> Iterator[sqlite3.Connection]:
    """An existing file only: a typo in a path must not create an empty database."""
    mode = "ro" if read_only else "rw"
    try:
        connection = sqlite3.connect(
            f"file:{path}?mode={mode}",
            uri=True,
            timeout=BUSY_TIMEOUT_SECONDS,
            isolation_level=None,
        )
    except sqlite3.OperationalError as error:
        raise BackupError(f"{path}: cannot open ({error})") from None
    try:
        yield connection
    finally:
        connection.close()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _inspect(connection: sqlite3.Connection, path: Path) -> Snapshot:
    """Check that ``connection`` holds an intact database of ours; describe it."""
    try:
        check = connection.execute("PRAGMA integrity_check").fetchone()[0]
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path}: not a usable SQLite database ({error})") from None
    if check != "ok":
        raise BackupError(f"{path}: damaged ({check})")
    if not REQUIRED_TABLES.issubset(tables):
        raise BackupError(f"{path}: not a Teman UMKM database")
    version = int(connection.execute("PRAGMA user_version").fetchone()[0])
    newest = max(number for number, _ in _migrations())
    if version > newest:
        raise BackupError(f"{path}: made by a newer version (schema {version} > {newest})")
    inquiries = int(connection.execute("SELECT COUNT(*) FROM inquiries").fetchone()[0])
    return Snapshot(path, version, inquiries, path.stat().st_size)


def backup(database: Path, target: Path) -> Snapshot:
    """Copy ``database`` (live or not) to ``target``: one consistent, checked, private file.

    The copy is written beside ``target`` and renamed into place, so ``target`` is never a
    half-written file; it is a single self-contained file (no ``-wal``), readable by its
    owner only, like the database.
    """
    if not database.exists():
        raise BackupError(f"{database}: no database there")
    target = target.resolve()
    if target == database.resolve():
        raise BackupError("the backup file must not be the database itself")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    _create_private_file(partial)
    try:
        with _connect(database) as source, _connect(partial) as copy:
            source.backup(copy)  # all pages in one step: one read transaction, one snapshot
            copy.execute("PRAGMA journal_mode=DELETE")  # a single file, no -wal beside it
            snapshot = _inspect(copy, partial)
        _fsync(partial)
        partial.replace(target)
        _fsync(target.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return Snapshot(target, snapshot.schema_version, snapshot.inquiries, target.stat().st_size)


def _ensure_unused(connection: sqlite3.Connection, database: Path) -> None:
    """Leaving WAL mode needs the only connection: if it fails, the bot has the file open."""
    connection.execute("PRAGMA busy_timeout = 0")
    try:
        mode = connection.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
    except sqlite3.OperationalError:
        mode = "wal"
    if mode != "delete":
        raise BackupError(f"{database} is in use: stop the bot first")
    connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")


def restore(backup_file: Path, database: Path) -> tuple[Snapshot, Path | None]:
    """Replace ``database`` with ``backup_file``; returns it and where the old one was kept.

    The bot must be stopped. The backup is checked first; the current database (if any) is
    kept as ``<database>.before-restore``, so a restore of the wrong file can be undone.
    """
    if not backup_file.exists():
        raise BackupError(f"{backup_file}: no such file")
    with _connect(backup_file, read_only=True) as source:
        _inspect(source, backup_file)  # a bad backup is refused before anything is touched
    kept = None
    if database.exists():
        with _connect(database) as live:
            _ensure_unused(live, database)
        kept = Path(f"{database}{BEFORE_RESTORE_SUFFIX}")
        backup(database, kept)
    _create_private_file(database)
    with _connect(backup_file, read_only=True) as source, _connect(database) as live:
        _ensure_unused(live, database)
        source.backup(live)
        live.execute("PRAGMA journal_mode=WAL")  # how the bot runs it
        restored = _inspect(live, database)
    return restored, kept
