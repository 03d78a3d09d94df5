"""Faults during a burst: `ogbot run` killed (kill -9) or stopped (SIGTERM) at random points while
it posts, restarted, and the channel counted for lost and repeated posts.

Run by hand: `.venv/bin/python bench/faults.py [--items 12] [--times 5] [--delay 0.4]
[--seed 1]`. Each trial starts with a fresh data directory, a feed of `--items` new items (each
posted on its own, no digests) and the fake Bot API answering every send after `--delay`
seconds (delivered at once, answered late: the window in which a post's outcome is not known
yet). `ogbot run` starts as a real process; once the first post reaches the fake, the signal
comes after a random part of the burst's expected length (so sometimes mid-send, sometimes
between sends); then ogbot is started again and left to finish. `--times` trials per signal.

Prints per trial and in total: items lost (never in the channel) and repeated posts (an item
in the channel more than once), and how long each SIGTERM took to stop. Asserts nothing.

The rule (README, "Stopping and restarting"): nothing is lost, at most one repeat per kill -9
(Telegram has no idempotency key; a post killed between its send and its record is sent once
more), none per graceful stop.
"""

from __future__ import annotations

import argparse
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.publish import feed  # the same burst of WordPress items as the publishing bench
from tests.fakes.telegram import CHANNEL, CHANNEL_ID, TOKEN, FakeTelegram
from tests.fakes.web import FakeWeb
from tests.shell import clean_env

TITLE = re.compile(r"Meldung (\d{3})")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(check: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def counted(telegram: FakeTelegram) -> Counter[str]:
    """How often each item reached the channel."""
    found: Counter[str] = Counter()
    for message in telegram.sent(CHANNEL):
        match = TITLE.search(message.text)
        if match:
            found[match.group(1)] += 1
    return found


def start(tmp: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "ogbot", "run", "--config", str(tmp / "ogbot.toml")],
            cwd=tmp,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def trial(sig: signal.Signals, items: int, delay: float, rng: random.Random) -> dict[str, float]:
    with (
        tempfile.TemporaryDirectory() as name,
        FakeWeb() as web,
        FakeTelegram(rate_limit=False) as telegram,
    ):
        tmp = Path(name)
        telegram.add_channel(CHANNEL, CHANNEL_ID, title="faults")
        telegram.slow_next("sendMessage", delay=delay, times=10**6)
        web.route("/feed/", body=feed(items, datetime.now(UTC)))
        (tmp / "ogbot.toml").write_text(
            f'[[sources]]\nname = "netzwerk"\nurl = "{web.url("/feed/")}"\n', encoding="utf-8"
        )
        env = clean_env(
            OGBOT_DATA_DIR=str(tmp / "data"),
            OGBOT_FETCH_ALLOW_PRIVATE="true",
            OGBOT_WEB_PORT=str(free_port()),
            OGBOT_PUBLISH_BACKLOG=str(items),
            OGBOT_PUBLISH_DIGEST_AFTER="100000",
            OGBOT_PUBLISH_MAX_AGE="36500",
            OGBOT_PUBLISH_QUIET_HOURS="",
            OGBOT_TELEGRAM_TOKEN=TOKEN,
            OGBOT_TELEGRAM_API_URL=telegram.api_url,
            OGBOT_TELEGRAM_CHANNEL=CHANNEL,
        )
        log = tmp / "ogbot.log"
        process = start(tmp, env, log)
        try:
            if not wait_for(lambda: telegram.sent(CHANNEL), 60):
                raise SystemExit(f"no post within 60 s:\n{log.read_text(errors='replace')}")
            time.sleep(rng.uniform(0, (items - 1) * delay))  # within the burst
            before = sum(counted(telegram).values())
            began = time.monotonic()
            process.send_signal(sig)
            process.wait(timeout=120)
            stop_seconds = time.monotonic() - began
            process = start(tmp, env, log)
            wait_for(lambda: len(counted(telegram)) == items, 60 + items * delay * 2)
            time.sleep(2 + delay)  # room for a repeat to show
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        found = counted(telegram)
        return {
            "lost": sum(1 for n in range(items) if not found[f"{n:03d}"]),
            "repeated": sum(count - 1 for count in found.values() if count > 1),
            "stop_seconds": stop_seconds,
            "posted_before_signal": before,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=12)
    parser.add_argument("--times", type=int, default=5)
    parser.add_argument("--delay", type=float, default=0.4, help="seconds per answer")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(f"{args.items} items per burst, sends answered after {args.delay:g} s, seed {args.seed}")
    for sig in (signal.SIGKILL, signal.SIGTERM):
        lost = repeated = 0
        slowest = 0.0
        for number in range(1, args.times + 1):
            result = trial(sig, args.items, args.delay, rng)
            lost += int(result["lost"])
            repeated += int(result["repeated"])
            slowest = max(slowest, result["stop_seconds"])
            print(
                f"  {sig.name} #{number}: signal after {int(result['posted_before_signal'])}"
                f" posts, lost {int(result['lost'])}, repeated {int(result['repeated'])},"
                f" stopped in {result['stop_seconds']:.1f} s",
                flush=True,
            )
        print(
            f"{sig.name}: {args.times} times, {args.times * args.items} items: lost {lost},"
            f" repeated {repeated} (at most one per kill allowed for SIGKILL, none for SIGTERM),"
            f" slowest stop {slowest:.1f} s",
            flush=True,
        )


if __name__ == "__main__":
    main()
