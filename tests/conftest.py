"""Shared pytest fixtures: the fake websites and the fake Telegram Bot API (tests/fakes/)."""

pytest_plugins = ["tests.fakes.web", "tests.fakes.telegram"]
