"""The web server inside ogbot's process: the feeds, a page of the latest items, a health check.

:mod:`ogbot.web.page` makes what is shown (the page, its search), :mod:`ogbot.web.health` the
health report; :mod:`ogbot.web.server` serves them and the feed files with aiohttp.
"""

from ogbot.web.health import health_report
from ogbot.web.page import Search, render_page
from ogbot.web.server import (
    FEEDS,
    FeedFile,
    MetricsSource,
    ServiceStatus,
    WebError,
    Webhook,
    WebServer,
    create_app,
    read_feed,
    start_web,
)

__all__ = [
    "FEEDS",
    "FeedFile",
    "MetricsSource",
    "Search",
    "ServiceStatus",
    "WebError",
    "WebServer",
    "Webhook",
    "create_app",
    "health_report",
    "read_feed",
    "render_page",
    "start_web",
]
