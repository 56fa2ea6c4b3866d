"""Telegram plumbing: the offline Bot API, delivery policy, the per-user update processor."""
