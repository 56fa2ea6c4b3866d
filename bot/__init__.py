"""Teman UMKM: what the bot knows and does, with no Telegram types below the surface."""

__version__ = "0.1.0"
