"""Test doubles for ogbot's tests: a fake web (tests.fakes.web)."""
