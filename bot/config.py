"""Settings from the environment (and an optional ``.env``), validated once at start-up.

A bad value stops the bot with one line naming the variable, rather than a traceback later.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from dotenv import dotenv_values

from bot.i18n import LOCALES

DEFAULT_API_URL = "https://api.telegram.org"
DEFAULT_DATABASE_PATH = "data/teman_umkm.db"
DEFAULT_BROADCAST_RATE = 25.0
DEFAULT_RETENTION_DAYS = 365
DEFAULT_CHOICE_TIMEOUT_MINUTES = 10
DEFAULT_WEBHOOK_LISTEN = "0.0.0.0"
WEBHOOK_SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")
"""What Telegram accepts as a webhook ``secret_token``."""


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Settings:
    token: str | None = None
    api_url: str = DEFAULT_API_URL
    database_path: str = DEFAULT_DATABASE_PATH
    database_url: str | None = None
    """``postgresql://…``: PostgreSQL instead of the SQLite file (several workers, hosts)."""
    worker_name: str = ""
    """This process among the workers sharing a PostgreSQL database (``smebot run`` sets it:
    host and worker number); names the broadcast rows its sender claims."""
    staff_ids: frozenset[int] = frozenset()
    default_locale: str = "id"
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_listen: str = DEFAULT_WEBHOOK_LISTEN
    port: int = 8443
    log_level: str = "INFO"
    staff_chat_id: int | None = None
    broadcast_rate: float = DEFAULT_BROADCAST_RATE
    inquiry_retention_days: int = DEFAULT_RETENTION_DAYS
    choice_timeout_minutes: int = DEFAULT_CHOICE_TIMEOUT_MINUTES
    """How long a "which did you mean?" prompt waits for a tap before staff get the question."""
    semantic_search: bool = False
    """Blend a multilingual embedding model into retrieval (needs the ``semantic`` extra)."""
    web_secret_key: str | None = None
    """Signs the web desk's session cookies; required by ``smebot web``."""
    web_base_url: str | None = None
    """Where staff reach the web desk; ``/web`` links point here."""

    @property
    def database(self) -> str:
        """What :meth:`db.Database.open` takes: the PostgreSQL URL if set, else the file."""
        return self.database_url or self.database_path

    def __repr__(self) -> str:
        # The token (and a database password) must never reach a log line, not even through
        # a repr.
        where = _without_password(self.database_url) if self.database_url else None
        return f"Settings(api_url={self.api_url!r}, " + (
            f"database_url={where!r})" if where else f"database_path={self.database_path!r})"
        )


def _without_password(url: str) -> str:
    parsed = urlparse(url)
    if parsed.password is None:
        return url
    netloc = parsed.netloc.replace(f":{parsed.password}@", ":***@", 1)
    return parsed._replace(netloc=netloc).geturl()


def _int(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name}: {value!r} is not a whole number") from None


def _url(name: str, value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"{name}: {value!r} is not an http(s) URL")
    return value.rstrip("/")


def _minutes(name: str, value: str | None, default: int) -> int:
    """Whole minutes, at least one and at most a day."""
    minutes = _int(name, value) if value else default
    if not 1 <= minutes <= 24 * 60:
        raise ConfigError(f"{name}: must be between 1 and 1440")
    return minutes


def _on_off(name: str, value: str | None) -> bool:
    """``on`` or ``off`` (the default), in any case."""
    word = (value or "off").strip().lower()
    if word not in ("on", "off"):
        raise ConfigError(f"{name}: {word!r} is not 'on' or 'off'")
    return word == "on"


def _database_url(value: str | None) -> str | None:
    """Only PostgreSQL is reached by URL; SQLite keeps ``DATABASE_PATH``."""
    if value is None:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in ("postgresql", "postgres") or not (parsed.netloc or parsed.query):
        raise ConfigError(
            "DATABASE_URL: must be a postgresql:// URL (for SQLite set DATABASE_PATH instead)"
        )
    return value


def _ip(name: str, value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ConfigError(f"{name}: {value!r} is not an IP address") from None


def _webhook_secret(webhook_url: str | None, secret: str | None) -> str | None:
    """Webhook mode needs a secret: without it anyone who finds the URL can post updates."""
    if webhook_url and secret is None:
        raise ConfigError("WEBHOOK_SECRET: required with WEBHOOK_URL, so only Telegram can post")
    if secret is not None and not WEBHOOK_SECRET_PATTERN.fullmatch(secret):
        raise ConfigError("WEBHOOK_SECRET: 1-256 characters, only A-Z, a-z, 0-9, _ and -")
    return secret


MIN_WEB_SECRET_LENGTH = 32


def _web_secret(secret: str | None) -> str | None:
    """A short key can be brute-forced offline from one cookie, and then sessions forged."""
    if secret is not None and len(secret) < MIN_WEB_SECRET_LENGTH:
        raise ConfigError(
            f"WEB_SECRET_KEY: at least {MIN_WEB_SECRET_LENGTH} characters "
            "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    return secret


def from_mapping(env: Mapping[str, str]) -> Settings:
    """Build settings from ``env``; empty values count as unset."""

    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    token = get("TELEGRAM_BOT_TOKEN")
    if token is not None and (":" not in token or " " in token):
        raise ConfigError("TELEGRAM_BOT_TOKEN: does not look like a token from BotFather")

    staff_ids = set()
    for part in (get("STAFF_IDS") or "").split(","):
        if part.strip():
            staff_ids.add(_int("STAFF_IDS", part.strip()))

    default_locale = (get("DEFAULT_LOCALE") or "id").lower()
    if default_locale not in LOCALES:
        raise ConfigError(f"DEFAULT_LOCALE: {default_locale!r} is not one of {', '.join(LOCALES)}")

    log_level = (get("LOG_LEVEL") or "INFO").upper()
    if not isinstance(logging.getLevelName(log_level), int):
        raise ConfigError(f"LOG_LEVEL: {log_level!r} is not a logging level")

    webhook_url = get("WEBHOOK_URL")
    port = _int("PORT", get("PORT") or "8443")
    if not 0 < port < 65536:
        raise ConfigError(f"PORT: {port} is not a TCP port")

    rate_text = get("BROADCAST_RATE") or str(DEFAULT_BROADCAST_RATE)
    try:
        broadcast_rate = float(rate_text)
    except ValueError:
        raise ConfigError(f"BROADCAST_RATE: {rate_text!r} is not a number") from None
    if not 0 < broadcast_rate <= 1000:
        raise ConfigError("BROADCAST_RATE: must be between 0 and 1000 messages a second")

    retention = _int("INQUIRY_RETENTION_DAYS", get("INQUIRY_RETENTION_DAYS") or "365")
    if retention < 1:
        raise ConfigError("INQUIRY_RETENTION_DAYS: must be at least 1")

    staff_chat = get("STAFF_CHAT_ID")
    web_base_url = get("WEB_BASE_URL")
    return Settings(
        token=token,
        api_url=_url("TELEGRAM_API_URL", get("TELEGRAM_API_URL") or DEFAULT_API_URL),
        database_path=get("DATABASE_PATH") or DEFAULT_DATABASE_PATH,
        database_url=_database_url(get("DATABASE_URL")),
        staff_ids=frozenset(staff_ids),
        default_locale=default_locale,
        webhook_url=_url("WEBHOOK_URL", webhook_url) if webhook_url else None,
        webhook_secret=_webhook_secret(webhook_url, get("WEBHOOK_SECRET")),
        webhook_listen=_ip("WEBHOOK_LISTEN", get("WEBHOOK_LISTEN") or DEFAULT_WEBHOOK_LISTEN),
        port=port,
        log_level=log_level,
        staff_chat_id=_int("STAFF_CHAT_ID", staff_chat) if staff_chat else None,
        broadcast_rate=broadcast_rate,
        inquiry_retention_days=retention,
        choice_timeout_minutes=_minutes(
            "CHOICE_TIMEOUT_MINUTES", get("CHOICE_TIMEOUT_MINUTES"), DEFAULT_CHOICE_TIMEOUT_MINUTES
        ),
        semantic_search=_on_off("SEMANTIC_SEARCH", get("SEMANTIC_SEARCH")),
        web_secret_key=_web_secret(get("WEB_SECRET_KEY")),
        web_base_url=_url("WEB_BASE_URL", web_base_url) if web_base_url else None,
    )


def load(env_file: str | Path = ".env") -> Settings:
    """The process environment wins over ``.env``, which only fills gaps."""
    merged = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
    merged.update(os.environ)
    return from_mapping(merged)
