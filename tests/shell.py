"""`ogbot` as an operator runs it from a shell: a fresh process, an environment without the test
process's OGBOT_ variables, UTF-8 output. One place for every CLI test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def clean_env(**extra: str) -> dict[str, str]:
    """The test process's environment without any OGBOT_ variable, plus what the test needs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OGBOT_")}
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra)
    return env


def ogbot(
    cwd: Path,
    *args: str,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    fsize: int | None = None,
) -> subprocess.CompletedProcess[str]:
    """`ogbot ARGS...` in ``cwd``; ``fsize`` caps the size of every file the process writes
    (RLIMIT_FSIZE): a full disk, which stops root as well."""
    if fsize is None:
        command = [sys.executable, "-m", "ogbot", *args]
    else:
        # Set in the child itself (preexec_fn is unsafe with the fake server's threads running).
        # Python ignores SIGXFSZ, so a write past the limit fails with EFBIG like a full disk.
        limited = (
            "import resource, runpy, sys; n = int(sys.argv.pop(1));"
            " resource.setrlimit(resource.RLIMIT_FSIZE, (n, n)); sys.argv[0] = 'ogbot';"
            " runpy.run_module('ogbot', run_name='__main__', alter_sys=True)"
        )
        command = [sys.executable, "-c", limited, str(fsize), *args]
    return subprocess.run(
        command,
        cwd=cwd,
        env=clean_env() if env is None else env,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
