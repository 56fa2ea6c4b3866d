"""``smebot``: run the bot, chat with it offline, and the staff's maintenance commands."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
import sys
from collections.abc import Sequence

from bot import config, logs
from bot.config import ConfigError, Settings

logger = logging.getLogger(__name__)

EXIT_USAGE = 2
MAX_WORKERS = 64


def _settings() -> Settings:
    try:
        return config.load()
    except ConfigError as error:
        print(f"smebot: configuration error: {error}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings()
    if not settings.token:
        print(
            "smebot: TELEGRAM_BOT_TOKEN is not set. To try the bot offline, run: smebot chat",
            file=sys.stderr,
        )
        return EXIT_USAGE
    workers = args.workers
    if workers > 1 and not settings.database_url:
        print(
            f"smebot: --workers {workers} needs PostgreSQL (DATABASE_URL=postgresql://...); "
            "SQLite is one process's file: run one worker",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if workers > 1 and not settings.webhook_url:
        print(
            f"smebot: --workers {workers} needs webhook mode (WEBHOOK_URL); "
            "long polling has a single reader",
            file=sys.stderr,
        )
        return EXIT_USAGE
    logs.configure(settings.log_level, settings.token)
    from app.runner import WEBHOOK_PATH, run

    if workers > 1:
        from app.workers import run_workers

        return run_workers(settings, workers, WEBHOOK_PATH)
    run(settings)
    return 0


def _workers(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        count = 0
    if not 1 <= count <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of workers (1-{MAX_WORKERS})")
    return count


def cmd_web(args: argparse.Namespace) -> int:
    """The staff web desk on the bot's database (run it beside ``smebot run``)."""
    settings = _settings()
    if not settings.token:
        print(
            "smebot: TELEGRAM_BOT_TOKEN is not set; the web desk sends answers as the bot",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if not settings.web_secret_key:
        print(
            "smebot: WEB_SECRET_KEY is not set; the web desk needs it to sign sessions "
            "(python -c 'import secrets; print(secrets.token_urlsafe(32))')",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        from web.server import run
    except ImportError as error:
        print(
            f"smebot: the web desk needs the web extra ({error.name}): "
            "pip install 'teman-umkm[web]'",
            file=sys.stderr,
        )
        return EXIT_USAGE
    logs.configure(settings.log_level, settings.token)
    run(settings, args.host, args.port)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    settings = _settings()
    logs.configure("WARNING", settings.token)
    if args.staff:
        settings = dataclasses.replace(settings, staff_ids=settings.staff_ids | {args.user})
    from app.chat import run_chat
    from bot.flood import FloodGuard
    from bot.services import Services

    async def main() -> None:
        services = await Services.start(settings)
        # One local person at a keyboard (or a scripted demo piped in) floods no one.
        services.flood = FloodGuard(services.clock, enabled=False)
        await run_chat(services, args.user, args.lang or settings.default_locale)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
    return 0


def cmd_kb_check(args: argparse.Namespace) -> int:
    from bot.knowledge.entries import load_directory

    result = load_directory()
    for problem in result.problems:
        print(problem)
    topics: dict[str, int] = {}
    for entry in result.entries:
        topics[entry.topic] = topics.get(entry.topic, 0) + 1
    summary = ", ".join(f"{topic} {count}" for topic, count in sorted(topics.items()))
    print(f"{len(result.entries)} entries ({summary}); {len(result.problems)} problems")
    from bot import selfcheck

    questions, selfcheck_problems = selfcheck.check({entry.id for entry in result.entries})
    for problem in selfcheck_problems:
        print(problem)
    print(f"self-check: {questions} questions; {len(selfcheck_problems)} problems")
    return 1 if result.problems or selfcheck_problems else 0


def _day(text: str) -> dt.date:
    from bot.export import parse_day

    try:
        return parse_day(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-21") from None


def cmd_inquiries_export(args: argparse.Namespace) -> int:
    """Inquiries as CSV or XLSX; see ``bot.export`` for the encoding and injection rules."""
    from bot import export
    from db import Database

    try:
        query = export.Query(args.status, args.since, args.until)
    except ValueError as error:
        print(f"smebot: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.format == "xlsx" and args.output is None and sys.stdout.isatty():
        print("smebot: XLSX is binary: give --output FILE (or redirect)", file=sys.stderr)
        return EXIT_USAGE
    settings = _settings()

    async def main() -> list[list[object]]:
        async with Database.opened(settings.database) as db:
            return await export.rows(db, query)

    data = asyncio.run(main())
    try:
        content = export.render(data, args.format, bom=args.bom or args.output is not None)
    except export.XlsxUnavailableError:
        print("smebot: XLSX needs openpyxl: pip install 'teman-umkm[xlsx]'", file=sys.stderr)
        return 1
    if args.output is None:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
    else:
        with open(args.output, "wb") as handle:
            handle.write(content)
        print(f"{len(data)} inquiries written to {args.output}", file=sys.stderr)
    return 0


def cmd_db_purge(args: argparse.Namespace) -> int:
    """Apply the retention period now (the running bot also does it daily)."""
    from bot.clock import SystemClock
    from bot.privacy import Privacy
    from bot.users import UserDirectory
    from db import Database

    settings = _settings()

    async def main() -> int:
        async with Database.opened(settings.database) as db:
            clock = SystemClock()
            users = UserDirectory(db, clock, settings.default_locale)
            return await Privacy(db, clock, users, settings.inquiry_retention_days).purge_expired()

    count = asyncio.run(main())
    print(
        f"{count} inquiries older than {settings.inquiry_retention_days} days anonymised",
        file=sys.stderr,
    )
    return 0


def _sqlite_only(settings: Settings, what: str) -> int | None:
    if settings.database_url:
        print(
            f"smebot: {what} is for the SQLite file; on PostgreSQL use pg_dump / pg_restore",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return None


def cmd_db_migrate_to(args: argparse.Namespace) -> int:
    """Copy the SQLite deployment (``DATABASE_PATH``) into an empty PostgreSQL database."""
    from pathlib import Path

    from db.connection import SqliteDatabase, is_postgres_url
    from db.transfer import TransferError, copy, verify

    settings = _settings()
    if not is_postgres_url(args.url):
        print("smebot: migrate-to needs a postgresql:// URL", file=sys.stderr)
        return EXIT_USAGE
    if not Path(settings.database_path).exists():
        print(f"smebot: {settings.database_path}: no SQLite database there", file=sys.stderr)
        return 1

    async def main() -> int:
        from db import Database

        source = await SqliteDatabase.connect(settings.database_path)
        try:
            async with Database.opened(args.url) as target:
                copied = await copy(source, target)
                checked = await verify(source, target)
        finally:
            await source.close()
        for table in copied:
            print(f"{table.table:<24} {table.rows:>10} rows", file=sys.stderr)
        print(
            f"copied {settings.database_path} to PostgreSQL: {checked} rows in "
            f"{len(copied)} tables, each checked against the source. Set DATABASE_URL to use it.",
            file=sys.stderr,
        )
        return 0

    try:
        return asyncio.run(main())
    except TransferError as error:
        print(f"smebot: migrate-to failed, nothing was kept: {error}", file=sys.stderr)
        return 1


def cmd_db_backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    from db.backup import BackupError, backup

    settings = _settings()
    if (refused := _sqlite_only(settings, "backup")) is not None:
        return refused
    try:
        snapshot = backup(Path(settings.database_path), Path(args.file))
    except BackupError as error:
        print(f"smebot: backup failed: {error}", file=sys.stderr)
        return 1
    print(
        f"backed up to {snapshot.path}: {snapshot.inquiries} inquiries, "
        f"schema {snapshot.schema_version}, {snapshot.size_bytes} bytes",
        file=sys.stderr,
    )
    return 0


def cmd_db_restore(args: argparse.Namespace) -> int:
    from pathlib import Path

    from db.backup import BackupError, restore

    settings = _settings()
    if (refused := _sqlite_only(settings, "restore")) is not None:
        return refused
    try:
        snapshot, kept = restore(Path(args.file), Path(settings.database_path))
    except BackupError as error:
        print(f"smebot: restore failed: {error}", file=sys.stderr)
        return 1
    print(
        f"restored {settings.database_path} from {args.file}: {snapshot.inquiries} inquiries, "
        f"schema {snapshot.schema_version}"
        + (f"; the replaced database is kept as {kept}" if kept else ""),
        file=sys.stderr,
    )
    return 0


def cmd_trainings_import(args: argparse.Namespace) -> int:
    """Create or update trainings from a CSV or YAML file, all rows or none."""
    from pathlib import Path

    from bot.clock import SystemClock
    from bot.training_import import import_file
    from db import Database

    settings = _settings()

    async def main() -> int:
        async with Database.opened(settings.database) as db:
            report = await import_file(db, SystemClock(), Path(args.file))
        for problem in report.problems:
            print(problem, file=sys.stderr)
        if report.problems:
            print(f"{len(report.problems)} problems; nothing imported", file=sys.stderr)
            return 1
        print(f"{report.rows} rows: {report.created} trainings created, {report.updated} updated")
        return 0

    return asyncio.run(main())


def cmd_trainings_list(args: argparse.Namespace) -> int:
    from bot.clock import SystemClock
    from bot.trainings import TrainingService, format_moment
    from db import Database

    settings = _settings()

    async def main() -> None:
        async with Database.opened(settings.database) as db:
            for training in await TrainingService(db, SystemClock()).for_staff():
                seats = f"{training.registered}/{training.capacity or '-'}"
                print(
                    f"{training.id:>4}  {training.status:<9}  {seats:>9}  "
                    f"{format_moment(training.starts_at, training.timezone, 'en'):<40}  "
                    f"{training.code or '':<24}  {training.text('en').title}"
                )

    asyncio.run(main())
    return 0


def parser() -> argparse.ArgumentParser:
    from db import inquiries as inquiry_table

    root = argparse.ArgumentParser(prog="smebot", description="Teman UMKM Telegram bot")
    commands = root.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the bot on Telegram (polling or webhook)")
    run.add_argument(
        "--workers",
        type=_workers,
        default=1,
        metavar="N",
        help="webhook worker processes behind one port (N > 1 needs PostgreSQL)",
    )
    run.set_defaults(handler=cmd_run)

    web = commands.add_parser("web", help="the staff web desk (needs WEB_SECRET_KEY)")
    web.add_argument("--host", default="127.0.0.1", help="address to listen on")
    web.add_argument("--port", type=int, default=8080, help="port to listen on")
    web.set_defaults(handler=cmd_web)

    chat = commands.add_parser("chat", help="chat with the bot offline in this terminal")
    chat.add_argument("--lang", choices=("id", "en"), help="your Telegram app language")
    chat.add_argument("--user", type=int, default=1001, help="your Telegram user id")
    chat.add_argument("--staff", action="store_true", help="act as a staff member")
    chat.set_defaults(handler=cmd_chat)

    kb = commands.add_parser("kb", help="knowledge base")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True)
    check = kb_commands.add_parser("check", help="validate the entry files")
    check.set_defaults(handler=cmd_kb_check)

    inquiries = commands.add_parser("inquiries", help="the questions users asked")
    inquiry_commands = inquiries.add_subparsers(dest="inquiries_command", required=True)
    export = inquiry_commands.add_parser(
        "export",
        help="write inquiries as CSV (standard output by default) or XLSX",
        description="Dates are calendar days in Jakarta time (WIB), both ends included. "
        "Files get a UTF-8 byte-order mark so Excel reads them right; standard output does "
        "not, unless --bom.",
    )
    export.add_argument("--status", choices=inquiry_table.STATUSES)
    export.add_argument("--since", type=_day, metavar="YYYY-MM-DD")
    export.add_argument("--until", type=_day, metavar="YYYY-MM-DD")
    export.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    export.add_argument("--output", metavar="FILE", help="write here instead of standard output")
    export.add_argument("--bom", action="store_true", help="a UTF-8 BOM on standard output too")
    export.set_defaults(handler=cmd_inquiries_export)

    database = commands.add_parser("db", help="database maintenance")
    db_commands = database.add_subparsers(dest="db_command", required=True)
    purge = db_commands.add_parser(
        "purge", help="anonymise inquiries older than INQUIRY_RETENTION_DAYS now"
    )
    purge.set_defaults(handler=cmd_db_purge)
    backup = db_commands.add_parser(
        "backup",
        help="copy the database to FILE, safely, while the bot runs",
        description="A consistent snapshot through SQLite's backup API; FILE is written "
        "whole or not at all, readable by its owner only.",
    )
    backup.add_argument("file", metavar="FILE")
    backup.set_defaults(handler=cmd_db_backup)
    restore = db_commands.add_parser(
        "restore",
        help="replace the database with a backup FILE (stop the bot first)",
        description="Checks FILE first and keeps the replaced database as "
        "DATABASE_PATH.before-restore.",
    )
    restore.add_argument("file", metavar="FILE")
    restore.set_defaults(handler=cmd_db_restore)

    migrate_to = db_commands.add_parser(
        "migrate-to",
        help="copy the SQLite database (DATABASE_PATH) into an empty PostgreSQL database",
        description="Stop the bot first. The target gets the schema, then every row in one "
        "transaction; then each table is compared row by row with the source.",
    )
    migrate_to.add_argument("url", metavar="postgresql://…")
    migrate_to.set_defaults(handler=cmd_db_migrate_to)

    trainings = commands.add_parser("trainings", help="the training catalogue")
    training_commands = trainings.add_subparsers(dest="trainings_command", required=True)
    training_import = training_commands.add_parser(
        "import",
        help="create or update trainings from a CSV or YAML file",
        description="Rows are matched by their code, so importing a corrected file again "
        "updates them. The file is checked first and imported all or nothing. See "
        "tests/data/trainings.yaml for the columns.",
    )
    training_import.add_argument("file", metavar="FILE")
    training_import.set_defaults(handler=cmd_trainings_import)
    training_list = training_commands.add_parser("list", help="current and recent trainings")
    training_list.set_defaults(handler=cmd_trainings_list)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
