"""Shared pytest fixtures: the fake websites (tests/fakes/web.py)."""

pytest_plugins = ["tests.fakes.web"]
