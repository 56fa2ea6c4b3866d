"""``smebot``: run the bot, chat with it offline, and the staff's maintenance commands."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import sys
from collections.abc import Sequence

from bot import config, logs
from bot.config import ConfigError, Settings

logger = logging.getLogger(__name__)

EXIT_USAGE = 2


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
    logs.configure(settings.log_level, settings.token)
    from bot.runner import run

    run(settings)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    settings = _settings()
    logs.configure("WARNING", settings.token)
    if args.staff:
        settings = dataclasses.replace(settings, staff_ids=settings.staff_ids | {args.user})
    from bot.chat import run_chat
    from bot.services import Services

    async def main() -> None:
        services = await Services.start(settings)
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
    return 1 if result.problems else 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="smebot", description="Teman UMKM Telegram bot")
    commands = root.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the bot on Telegram (polling or webhook)")
    run.set_defaults(handler=cmd_run)

    chat = commands.add_parser("chat", help="chat with the bot offline in this terminal")
    chat.add_argument("--lang", choices=("id", "en"), help="your Telegram app language")
    chat.add_argument("--user", type=int, default=1001, help="your Telegram user id")
    chat.add_argument("--staff", action="store_true", help="act as a staff member")
    chat.set_defaults(handler=cmd_chat)

    kb = commands.add_parser("kb", help="knowledge base")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True)
    check = kb_commands.add_parser("check", help="validate the entry files")
    check.set_defaults(handler=cmd_kb_check)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
