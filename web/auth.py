"""Who is signing in: Telegram's Login Widget, checked as Telegram documents it.

https://core.telegram.org/widgets/login#checking-authorization: the fields Telegram sends
(except ``hash``) sorted and joined as ``key=value`` lines are the data-check-string; its
HMAC-SHA256 under the SHA-256 of the bot token must equal ``hash``. Only the bot's owner knows
the token, so a matching hash means Telegram vouched for this user id. ``auth_date`` must be
recent, or a hash copied from an old URL would sign someone in forever.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping

MAX_AUTH_AGE = dt.timedelta(days=1)
"""How old a widget sign-in may be; Telegram leaves this to the site."""

WIDGET_FIELDS = frozenset(
    {"id", "first_name", "last_name", "username", "photo_url", "auth_date", "hash"}
)


def data_check_string(fields: Mapping[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def widget_hash(fields: Mapping[str, str], bot_token: str) -> str:
    """The hash Telegram would send for ``fields`` (the tests sign with it, too)."""
    secret = hashlib.sha256(bot_token.encode()).digest()
    return hmac.new(secret, data_check_string(fields).encode(), hashlib.sha256).hexdigest()


def verify_widget(fields: Mapping[str, str], bot_token: str, now: dt.datetime) -> int | None:
    """The Telegram user id the widget data proves, or None if it proves nothing."""
    fields = {key: value for key, value in fields.items() if key in WIDGET_FIELDS}
    received = fields.get("hash", "")
    if not received or not hmac.compare_digest(widget_hash(fields, bot_token), received):
        return None
    try:
        signed_at = dt.datetime.fromtimestamp(int(fields.get("auth_date", "")), dt.UTC)
        user_id = int(fields.get("id", ""))
    except (ValueError, OverflowError, OSError):
        return None
    age = now - signed_at
    if age > MAX_AUTH_AGE or age < -dt.timedelta(minutes=5):  # a little clock skew is fine
        return None
    return user_id
