"""Logging set-up that keeps the bot token out of every log line.

httpx logs each request URL at INFO level and the Bot API puts the token in the URL, so a
filter on the root handler rewrites any token-shaped text before it is written.
"""

from __future__ import annotations

import logging
import re

TOKEN_PATTERN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
REDACTED = "<token>"


class TokenRedactingFilter(logging.Filter):
    def __init__(self, token: str | None = None) -> None:
        super().__init__()
        self._token = token

    def redact(self, text: str) -> str:
        if self._token:
            text = text.replace(self._token, REDACTED)
        return TOKEN_PATTERN.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def configure(level: str, token: str | None = None) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(TokenRedactingFilter(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Request URLs carry the token; they are redacted anyway, but they are noise at INFO.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))
