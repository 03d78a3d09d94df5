"""Watching news sources: classifying items and reading dates from their text."""
