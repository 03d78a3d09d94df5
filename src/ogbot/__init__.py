"""ogbot: the Telegram bot and news feed of the German Open Government network."""

__version__ = "0.1.0"
USER_AGENT = f"ogbot/{__version__} (+https://opengovpartnership.de)"
