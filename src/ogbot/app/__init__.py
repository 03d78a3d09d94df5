"""The application layer: the one place that wires the stages together.

- :mod:`ogbot.app.house` builds what every command needs from the settings: the store, the
  HTTP client for the sources, the publisher with its outbox and Telegram sender;
- :mod:`ogbot.app.cycle` is the watch cycle, top to bottom: fetch and extract every due source
  at once, store in configuration order, render the feeds, wake the outbox;
- :mod:`ogbot.app.service` is ``ogbot run``: the scheduler, the bot and the web server;
- :mod:`ogbot.app.commands` are the other commands (``ogbot poll``, ``announce``, ``ask``, …),
  which :mod:`ogbot.cli` only parses and prints.

Kept light: the CLI imports this package before it knows which command runs.
"""
