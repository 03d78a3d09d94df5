"""GET /metrics (`web.metrics = true`): `ogbot run` as a real process against the fake sites and
the fake Bot API, scraped as Prometheus would and read back with prometheus_client's own parser.
Off by default: 404."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as openmetrics_families,
)
from prometheus_client.parser import text_string_to_metric_families

from tests.fakes.telegram import CHANNEL, FakeTelegram
from tests.fakes.web import FakeWeb
from tests.test_run import Running, replies, wait_for

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(run: Running) -> Samples:
    answer = httpx.get(run.url + "/metrics", timeout=5)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert answer.headers["cache-control"] == "no-store"
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


def with_two_sources(run: Running, web: FakeWeb) -> Running:
    """ogp as the running tests have it, and the network's site down (503)."""
    ogp = web.fixture("/feed/", "ogp.rss", etag='"v1"')
    down = web.route(
        "/netzwerk/feed/", status=503, body="Wartungsarbeiten", content_type="text/plain"
    )
    (run.tmp / "ogbot.toml").write_text(
        f'[[sources]]\nname = "ogp"\nurl = "{ogp}"\n\n'
        f'[[sources]]\nname = "netzwerk"\nurl = "{down}"\n',
        encoding="utf-8",
    )
    return run


@pytest.fixture
def metered(tmp_path: Path, fake_web: FakeWeb, fake_telegram: FakeTelegram) -> Iterator[Running]:
    # Telegram's first answer to the backlog post is a 429: retried after its retry_after
    fake_telegram.fail_next("sendMessage", status=429, retry_after=1)
    run = Running(tmp_path, fake_web, fake_telegram, OGBOT_WEB_METRICS="true")
    with_two_sources(run, fake_web).start()
    yield run
    if run.process is not None and run.process.poll() is None:
        run.stop()


def test_a_scrape_after_a_cycle_shows_what_ogbot_did(metered: Running, fake_telegram: FakeTelegram):
    started = time.time()
    telegram = fake_telegram
    wait_for(lambda: metered.health()["sources"][0]["last_status"] is not None, what="a cycle")
    wait_for(lambda: telegram.sent(CHANNEL), what="the backlog post")
    telegram.push_message(8201, "Was ist ein Nationaler Aktionsplan?", language_code="de")
    telegram.push_message(8202, "Wie backe ich ein Sauerteigbrot?", language_code="de")
    wait_for(lambda: replies(telegram, 8201) and replies(telegram, 8202), what="two replies")
    assert "weiß ich leider nichts" in replies(telegram, 8202)[0]

    samples = wait_for(
        lambda: (
            (s := scrape(metered))
            and value(s, "ogbot_posts_total", destination="channel", outcome="sent") == 1
            and s
        ),
        what="the sent post in the metrics",
    )
    # the sources: one fetched fine with its six items, the other failing
    assert value(samples, "ogbot_fetches_total", source="ogp", result="ok") == 1
    assert value(samples, "ogbot_fetches_total", source="ogp", result="failed") == 0
    assert value(samples, "ogbot_fetches_total", source="netzwerk", result="failed") == 1
    assert value(samples, "ogbot_fetches_total", source="netzwerk", result="ok") == 0
    assert value(samples, "ogbot_source_items", source="ogp") == 6
    assert value(samples, "ogbot_source_items", source="netzwerk") == 0
    assert value(samples, "ogbot_source_failures", source="ogp") == 0
    assert value(samples, "ogbot_source_failures", source="netzwerk") == 1
    last_success = value(samples, "ogbot_source_last_success_timestamp_seconds", source="ogp")
    assert started - 60 < last_success <= time.time()
    never = value(samples, "ogbot_source_last_success_timestamp_seconds", source="netzwerk")
    assert never == 0
    # the channel's post: the 429 counted, then sent once; nothing waits
    assert value(samples, "ogbot_telegram_rate_limited_total", by="outbox") == 1
    assert value(samples, "ogbot_telegram_rate_limited_total", by="reply") == 0
    assert value(samples, "ogbot_posts_total", destination="channel", outcome="failed") == 0
    assert value(samples, "ogbot_outbox_waiting", destination="channel") == 0
    assert value(samples, "ogbot_outbox_oldest_age_seconds", destination="channel") == 0
    # the two questions: one answered, one refused, both timed
    assert value(samples, "ogbot_questions_total", outcome="answered") == 1
    assert value(samples, "ogbot_questions_total", outcome="refused") == 1
    assert value(samples, "ogbot_answer_seconds_count") == 2
    assert 0 < value(samples, "ogbot_answer_seconds_sum") < 10
    assert value(samples, "ogbot_answer_seconds_bucket", le="+Inf") == 2
    # the scheduler, the bot and the process
    watch = value(samples, "ogbot_scheduler_last_run_timestamp_seconds", job="watch")
    assert started - 60 < watch <= time.time()
    assert value(samples, "ogbot_scheduler_last_run_timestamp_seconds", job="drain") >= watch
    assert value(samples, "ogbot_telegram_online") == 1
    assert value(samples, "process_open_fds") > 0
    assert value(samples, "process_max_fds") > value(samples, "process_open_fds")


def test_posts_waiting_for_telegram_show_with_the_age_of_the_oldest(
    tmp_path: Path, fake_web: FakeWeb
):
    """Without a token the backlog post waits in the outbox for the channel."""
    run = Running(
        tmp_path, fake_web, None, OGBOT_WEB_METRICS="true", OGBOT_TELEGRAM_CHANNEL=CHANNEL
    )
    with_two_sources(run, fake_web).start()
    try:
        wait_for(lambda: run.health()["outbox_length"] == 1, what="the queued post")
        time.sleep(1.1)
        samples = scrape(run)
    finally:
        run.stop()
    assert value(samples, "ogbot_outbox_waiting", destination="channel") == 1
    assert value(samples, "ogbot_outbox_waiting", destination="private") == 0
    assert 1 <= value(samples, "ogbot_outbox_oldest_age_seconds", destination="channel") < 60
    assert value(samples, "ogbot_posts_total", destination="channel", outcome="sent") == 0
    assert value(samples, "ogbot_telegram_online") == 0


def test_metrics_are_off_by_default(tmp_path: Path, fake_web: FakeWeb):
    run = Running(tmp_path, fake_web, None).start()
    try:
        assert httpx.get(run.url + "/metrics", timeout=5).status_code == 404
        assert httpx.get(run.url + "/healthz", timeout=5).status_code == 200
    finally:
        run.stop()


def test_a_scraper_asking_for_openmetrics_gets_it(tmp_path: Path, fake_web: FakeWeb):
    run = Running(tmp_path, fake_web, None, OGBOT_WEB_METRICS="true")
    with_two_sources(run, fake_web).start()
    try:
        wait_for(lambda: run.health()["sources"][0]["last_status"] is not None, what="a cycle")
        accept = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
        answer = httpx.get(run.url + "/metrics", headers={"Accept": accept}, timeout=5)
    finally:
        run.stop()
    assert answer.headers["content-type"].startswith("application/openmetrics-text")
    assert answer.text.endswith("# EOF\n")
    families = {f.name: f for f in openmetrics_families(answer.text)}
    items = {s.labels["source"]: s.value for s in families["ogbot_source_items"].samples}
    assert items == {"ogp": 6, "netzwerk": 0}
