"""A Bot API server on 127.0.0.1 for tests that run the real ``smebot run`` in a subprocess."""

from tests.http_api.server import LoopbackBotAPI, Outage, Served

__all__ = ["LoopbackBotAPI", "Outage", "Served"]
