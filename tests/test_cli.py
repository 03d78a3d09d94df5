"""The command line contract (SPEC "Command line"), run as a real subprocess: exit codes 0 done,
1 runtime failure, 2 bad usage or configuration; what reaches stdout and stderr."""

from __future__ import annotations

import json
import queue
import re
import subprocess
import sys
import threading
import tomllib
from pathlib import Path

import pytest

from tests.shell import clean_env, ogbot

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef012"
SECRET_PART = TOKEN.split(":")[1]
URL = re.compile(r"https?://[^\s·]+")
HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")


def ask_json(cwd: Path, *args: str) -> dict[str, object]:
    result = ogbot(cwd, "ask", "--json", *args)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    answer = json.loads(lines[0])
    assert isinstance(answer, dict)
    return answer


# --- ogbot check ------------------------------------------------------------------------------


def test_check_prints_effective_config_and_masks_token(tmp_path: Path) -> None:
    result = ogbot(tmp_path, "check", env=clean_env(OGBOT_TELEGRAM_TOKEN=TOKEN))
    assert result.returncode == 0, result.stderr
    assert "[telegram]" in result.stdout
    assert "[publish]" in result.stdout
    assert 'name = "bundesregierung"' in result.stdout
    for stream in (result.stdout, result.stderr):
        assert TOKEN not in stream
        assert SECRET_PART not in stream
    config = tomllib.loads(result.stdout)
    assert config["telegram"]["token"] not in ("", TOKEN)


def test_check_creates_nothing_in_cwd(tmp_path: Path) -> None:
    result = ogbot(tmp_path, "check", env=clean_env(OGBOT_TELEGRAM_TOKEN=TOKEN))
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_check_output_parses_back_with_tomllib(tmp_path: Path) -> None:
    (tmp_path / "ogbot.toml").write_text(
        '[publish]\nquiet_hours = "23-6"\n\n[[sources]]\nname = "eigene"\n'
        'url = "https://example.org/feed"\ninclude = ["Germany"]\n',
        encoding="utf-8",
    )
    result = ogbot(tmp_path, "check", env=clean_env(OGBOT_WEB_PORT="9000"))
    assert result.returncode == 0, result.stderr
    config = tomllib.loads(result.stdout)
    assert config["publish"]["quiet_hours"] == "23-6"
    assert config["web"]["port"] == 9000
    assert config["telegram"]["token"] == ""
    assert config["sources"] == [
        {
            "name": "eigene",
            "url": "https://example.org/feed",
            "type": "feed",
            "include": ["Germany"],
        }
    ]
    assert "http://127.0.0.1:9000/feed.rss" in result.stdout


def test_check_bad_config_exits_2_naming_the_key(tmp_path: Path) -> None:
    (tmp_path / "ogbot.toml").write_text('[publish]\nquiet_hour = "22-7"\n', encoding="utf-8")
    result = ogbot(tmp_path, "check")
    assert result.returncode == 2
    assert "publish.quiet_hour" in result.stderr
    assert "publish.quiet_hours" in result.stderr  # the hint
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


def test_check_bad_token_exits_2_without_echoing_it(tmp_path: Path) -> None:
    secret = "not-a-token-SeCrEtVaLuE"
    result = ogbot(tmp_path, "check", env=clean_env(OGBOT_TELEGRAM_TOKEN=secret))
    assert result.returncode == 2
    assert "OGBOT_TELEGRAM_TOKEN" in result.stderr
    assert "SeCrEtVaLuE" not in result.stderr + result.stdout


def test_check_source_url_error_is_exact(tmp_path: Path) -> None:
    (tmp_path / "ogbot.toml").write_text(
        '[[sources]]\nname = "ogp"\nurl = "mailto:someone@example.org"\n', encoding="utf-8"
    )
    result = ogbot(tmp_path, "check")
    assert result.returncode == 2
    assert "sources.ogp.url: not an http(s) URL" in result.stderr.splitlines()[-1]


def test_check_missing_named_config_exits_2(tmp_path: Path) -> None:
    result = ogbot(tmp_path, "check", "--config", "nowhere.toml")
    assert result.returncode == 2
    assert "nowhere.toml" in result.stderr
    env_result = ogbot(tmp_path, "check", env=clean_env(OGBOT_CONFIG="gone.toml"))
    assert env_result.returncode == 2
    assert "gone.toml" in env_result.stderr


def test_check_unknown_env_var_exits_2_with_hint(tmp_path: Path) -> None:
    result = ogbot(tmp_path, "check", env=clean_env(OGBOT_WEB_PRT="1"))
    assert result.returncode == 2
    assert "OGBOT_WEB_PRT" in result.stderr
    assert "OGBOT_WEB_PORT" in result.stderr


@pytest.mark.parametrize(
    "argv",
    [("--config", "x.toml", "check"), ("check", "--config", "x.toml")],
    ids=["before", "after"],
)
def test_global_options_before_or_after_the_command(tmp_path: Path, argv: tuple[str, ...]) -> None:
    (tmp_path / "x.toml").write_text("[web]\nport = 8765\n", encoding="utf-8")
    (tmp_path / "ogbot.toml").write_text("[web]\nport = 1111\n", encoding="utf-8")
    result = ogbot(tmp_path, *argv)
    assert result.returncode == 0, result.stderr
    assert tomllib.loads(result.stdout)["web"]["port"] == 8765
    assert "x.toml" in result.stdout  # the file it read is named in the header


def test_unknown_command_exits_2(tmp_path: Path) -> None:
    result = ogbot(tmp_path, "frobnicate")
    assert result.returncode == 2
    assert "frobnicate" in result.stderr
    assert result.stdout == ""


def test_missing_command_exits_2(tmp_path: Path) -> None:
    result = ogbot(tmp_path)
    assert result.returncode == 2
    assert "usage" in result.stderr.lower()


# --- ogbot ask --------------------------------------------------------------------------------


def test_ask_json_answers_a_known_question(tmp_path: Path) -> None:
    answer = ask_json(tmp_path, "Was ist Open Government?")
    assert set(answer) == {"answer", "matched", "confidence", "sources", "lang"}
    assert answer["matched"] == "open-government"
    confidence = answer["confidence"]
    assert isinstance(confidence, float | int)
    assert 0 < confidence <= 1
    sources = answer["sources"]
    assert isinstance(sources, list)
    assert sources
    assert all(isinstance(u, str) and re.fullmatch(r"https?://\S+", u) for u in sources)
    assert answer["lang"] == "de"
    assert isinstance(answer["answer"], str)
    assert "Open Government" in answer["answer"]


def test_ask_json_several_words_are_joined(tmp_path: Path) -> None:
    answer = ask_json(tmp_path, "Was", "ist", "Open", "Government?")
    assert answer["matched"] == "open-government"


def test_ask_json_off_topic_is_an_honest_unknown(tmp_path: Path) -> None:
    answer = ask_json(tmp_path, "Wie wird das Wetter morgen in Hamburg?")
    assert answer["matched"] is None
    assert answer["confidence"] == 0
    assert answer["sources"]
    assert "@OpenGovGermany" in str(answer["answer"])
    assert answer["lang"] == "de"


def test_ask_json_english_question_gets_english_answer(tmp_path: Path) -> None:
    answer = ask_json(tmp_path, "What is the Open Government Partnership?")
    assert answer["lang"] == "en"
    assert answer["matched"] is not None


def test_ask_lang_decides_only_when_question_is_unclear(tmp_path: Path) -> None:
    assert ask_json(tmp_path, "OGP?")["lang"] == "de"
    assert ask_json(tmp_path, "--lang", "en", "OGP?")["lang"] == "en"
    # a clearly German question stays German whatever --lang says
    assert ask_json(tmp_path, "--lang", "en", "Was ist Open Government?")["lang"] == "de"


def test_ask_plain_output_is_text_with_a_link(tmp_path: Path) -> None:
    result = ogbot(tmp_path, "ask", "Was ist Open Government?")
    assert result.returncode == 0, result.stderr
    assert URL.search(result.stdout), result.stdout
    assert not HTML_TAG.search(result.stdout), result.stdout
    assert not result.stdout.lstrip().startswith("{")  # not JSON
    assert "Open Government" in result.stdout


def test_ask_empty_question_exits_2(tmp_path: Path) -> None:
    result = ogbot(tmp_path, "ask", "   ")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip()


def test_ask_without_question_exits_2(tmp_path: Path) -> None:
    result = ogbot(tmp_path, "ask", "--json")
    assert result.returncode == 2


def test_ask_bad_config_exits_2_naming_the_key(tmp_path: Path) -> None:
    result = ogbot(
        tmp_path, "ask", "Was ist Open Government?", env=clean_env(OGBOT_WEB_PORT="eighty")
    )
    assert result.returncode == 2
    assert "OGBOT_WEB_PORT" in result.stderr
    assert result.stdout == ""


def test_ask_stdin_answers_line_by_line_with_flush(tmp_path: Path) -> None:
    """Write one question, read its answer back before writing the next: this only works when
    every answer is flushed before the next line is read."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ogbot", "ask", "--json", "-"],
        cwd=tmp_path,
        env=clean_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        bufsize=1,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    lines: queue.Queue[str] = queue.Queue()

    def reader() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put("")  # EOF

    threading.Thread(target=reader, daemon=True).start()

    def next_line() -> str:
        try:
            return lines.get(timeout=30)
        except queue.Empty:
            process.kill()
            pytest.fail("no answer line within 30 s: the answer was not flushed")

    try:
        answers = []
        for question in ("Was ist Open Government?", "", "   ", "What is OGP?", "Wetter morgen?"):
            process.stdin.write(question + "\n")
            process.stdin.flush()
            if not question.strip():
                continue  # blank lines get no answer
            line = next_line()
            assert line.endswith("\n")
            answers.append(json.loads(line))
        process.stdin.close()
        assert next_line() == "", "nothing may follow the answers"
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        assert process.stderr is not None
        stderr = process.stderr.read()
        process.stderr.close()
        process.stdout.close()
    assert answers[0]["matched"] == "open-government"
    assert answers[1]["lang"] == "en"
    assert answers[2]["matched"] is None
    assert len(answers) == 3
    assert "Traceback" not in stderr


def test_ask_stdin_every_nonblank_line_gets_one_answer(tmp_path: Path) -> None:
    questions = ["Was ist Open Government?", "", "Was ist die OGP?", "\t", "Hallo"]
    result = ogbot(tmp_path, "ask", "--json", "-", stdin="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3, result.stdout
    for line in lines:
        answer = json.loads(line)
        assert set(answer) == {"answer", "matched", "confidence", "sources", "lang"}


def test_ask_stdin_empty_input_exits_0(tmp_path: Path) -> None:
    result = ogbot(tmp_path, "ask", "--json", "-", stdin="")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
