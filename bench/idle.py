"""Idle `ogbot run`: CPU and memory of the process while nothing happens.

Run by hand: `.venv/bin/python bench/idle.py [--seconds 60]`. Starts `ogbot run` as a real
process with the shipped default sources (unreachable from this machine: they fail fast and
back off) and Telegram pointed at the fake Bot API (long polling, as in production), waits for
it to settle, then reads /proc for the CPU time used and the resident memory over the window.
The target of the issue: next to no CPU, under 120 MB. Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakes.telegram import CHANNEL, CHANNEL_ID, TOKEN, FakeTelegram

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def memory_mb(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="the idle window")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FakeTelegram() as telegram:
        telegram.add_channel(CHANNEL, CHANNEL_ID)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("OGBOT_")},
            "OGBOT_DATA_DIR": str(Path(tmp) / "data"),
            "OGBOT_WEB_PORT": "18765",
            "OGBOT_TELEGRAM_TOKEN": TOKEN,
            "OGBOT_TELEGRAM_API_URL": telegram.api_url,
            "OGBOT_TELEGRAM_CHANNEL": CHANNEL,
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "ogbot", "run"],
            cwd=tmp,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(8)  # start, first cycle, first drain
            cpu0, wall0 = cpu_seconds(process.pid), time.monotonic()
            time.sleep(args.seconds)
            cpu1, wall1 = cpu_seconds(process.pid), time.monotonic()
            rss, peak = memory_mb(process.pid, "VmRSS"), memory_mb(process.pid, "VmHWM")
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=15)
        used = cpu1 - cpu0
        print(f"idle ogbot run (Telegram long polling against the fake), {wall1 - wall0:.0f} s")
        print(f"  CPU time used: {used:.2f} s = {100 * used / (wall1 - wall0):.2f} % of one core")
        print(f"  memory: {rss:.0f} MB resident now, {peak:.0f} MB peak (target < 120 MB)")
        print(f"  getUpdates calls in the window: {len(telegram.calls('getUpdates'))} in all")


if __name__ == "__main__":
    main()
