"""Publishing: the feed files, channel posts through the outbox, pacing."""


class TelegramRefused(Exception):
    """Telegram refused the token or cannot be reached at start (a runtime failure: exit 1)."""
