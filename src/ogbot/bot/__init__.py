"""The Telegram bot: conversation for everyone, the coordinator's commands (python-telegram-bot)."""
