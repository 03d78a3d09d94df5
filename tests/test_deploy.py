"""deploy/ as a reviewer and an operator meet it: the Dockerfile linted and read, its build
context turned into a wheel, its health check run against a real `ogbot run`; the lock checked
against pyproject.toml; compose.yaml against the Compose Specification's schema; the systemd
units through systemd-analyze, and ogbot under the unit's W^X rule; deploy/nginx.conf in a real
nginx in front of a real `ogbot run`."""

from __future__ import annotations

import ctypes
import email.utils
import json
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from ogbot.app.service import SEND_GRACE
from ogbot.config import ConfigError, build_settings
from tests.fakes.telegram import CHANNEL, FakeTelegram
from tests.fakes.web import FakeWeb
from tests.test_run import Running, free_port, wait_for

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
LOCK = DEPLOY / "requirements.lock"
COMPOSE = DEPLOY / "compose.yaml"
ENV_EXAMPLE = DEPLOY / "ogbot.env.example"
UNITS = ("ogbot.service", "ogbot-backup.service", "ogbot-backup.timer")
VENV_BIN = Path(sys.executable).parent
# where the units expect the clone's venv (made by `bash scripts/setup` in /opt/ogbot)
UNIT_OGBOT = "/opt/ogbot/.venv/bin/ogbot"
PLACEHOLDER_TOKEN = "123456789:placeholder-token"


def venv_tool(name: str) -> str:
    path = VENV_BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not in the venv: bash scripts/setup dev installs it")
    return str(path)


# --- reading the files ----------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str


@dataclass(frozen=True)
class Stage:
    image: str
    name: str
    instructions: tuple[Instruction, ...]

    def args(self, keyword: str) -> list[str]:
        return [i.args for i in self.instructions if i.keyword == keyword]

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for args in self.args("ENV"):
            for word in shlex.split(args):
                name, _, value = word.partition("=")
                values[name] = value
        return values


def dockerfile_stages(text: str) -> list[Stage]:
    """The stages of a Dockerfile: comments dropped, continuation lines joined."""
    lines: list[Instruction] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#") or not line:
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        keyword, _, args = (pending + line).partition(" ")
        pending = ""
        lines.append(Instruction(keyword.upper(), args.strip()))
    assert not pending, "the Dockerfile ends inside a continued line"
    stages: list[Stage] = []
    for instruction in lines:
        if instruction.keyword == "FROM":
            words = [w for w in instruction.args.split() if not w.startswith("--")]
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else ""
            stages.append(Stage(words[0], name, ()))
        else:
            assert stages, f"{instruction.keyword} before the first FROM"
            last = stages[-1]
            stages[-1] = Stage(last.image, last.name, (*last.instructions, instruction))
    return stages


def exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list), f"not the exec (JSON) form: {args}"
    return [str(word) for word in value]


def copy_parts(args: str) -> tuple[dict[str, str], list[str], str]:
    """COPY's flags (--from=...), sources and destination."""
    flags: dict[str, str] = {}
    paths: list[str] = []
    for word in shlex.split(args):
        if word.startswith("--"):
            name, _, value = word[2:].partition("=")
            flags[name] = value
        else:
            paths.append(word)
    return flags, paths[:-1], paths[-1]


def dockerfile() -> list[Stage]:
    return dockerfile_stages(DOCKERFILE.read_text(encoding="utf-8"))


def healthcheck_command(stage: Stage) -> list[str]:
    (args,) = stage.args("HEALTHCHECK")
    found = re.search(r"\bCMD\s+(\[.*\])\s*$", args)
    assert found, f"HEALTHCHECK without an exec-form CMD: {args}"
    return exec_form(found.group(1))


def dockerignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    """.dockerignore as Docker reads it: (exclude?, pattern), the last matching rule wins."""
    rules = []
    for raw in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        include = line.startswith("!")
        pattern = line[1:].strip() if include else line
        assert "[" not in pattern and "\\" not in pattern, f"not understood here: {line}"
        regex = ""
        rest = pattern.strip("/")
        while rest:
            if rest.startswith("**/"):
                regex, rest = regex + "(?:.*/)?", rest[3:]
            elif rest.startswith("**"):
                regex, rest = regex + ".*", rest[2:]
            elif rest[0] == "*":
                regex, rest = regex + "[^/]*", rest[1:]
            elif rest[0] == "?":
                regex, rest = regex + "[^/]", rest[1:]
            else:
                regex, rest = regex + re.escape(rest[0]), rest[1:]
        rules.append((not include, re.compile(regex)))
    return rules


def ignored(path: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Whether Docker leaves `path` (relative to the context) out: a rule applies when it
    matches the path or one of its parent directories."""
    parts = path.strip("/").split("/")
    candidates = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    excluded = False
    for exclude, regex in rules:
        if any(regex.fullmatch(candidate) for candidate in candidates):
            excluded = exclude
    return excluded


def context_files(source: Path, rules: list[tuple[bool, re.Pattern[str]]]) -> list[Path]:
    """The files under `source` that reach the build context."""
    files = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
    return [f for f in files if not ignored(f.relative_to(ROOT).as_posix(), rules)]


def env_file(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """An env file's active KEY=value lines and its commented-out optional ones."""
    active: dict[str, str] = {}
    optional: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        found = re.fullmatch(r"(#\s*)?([A-Z][A-Z0-9_]*)=(\S*)", line)
        if found:
            (optional if found.group(1) else active)[found.group(2)] = found.group(3)
        else:
            assert not line or line.startswith("#"), f"{path.name}: not KEY=value: {line!r}"
    return active, optional


def systemd_unit(name: str) -> dict[str, dict[str, list[str]]]:
    """A unit file's sections and keys (a key may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        assert not line.endswith("\\"), f"{name}: keep each setting on one line: {line}"
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        assert current is not None, f"{name}: {line} outside a section"
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def unit_environment(service: dict[str, list[str]]) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in service.get("Environment", []):
        for word in shlex.split(line):
            name, _, value = word.partition("=")
            values[name] = value
    return values


def assert_ogbot_accepts(env: dict[str, str], where: str) -> None:
    """ogbot's own loader, as `ogbot run` would meet these variables."""
    try:
        build_settings({}, env, Path("/"))
    except ConfigError as exc:
        pytest.fail(f"{where}: ogbot refuses {sorted(env)}: {exc.problems}")


# --- ogbot run, as the deployment runs it ---------------------------------------------------


def launch(run: Running, preexec: Any = None) -> Running:
    """Start `run` as the unit does (umask 0022), optionally with a hook in the child."""
    run.log = run.log_path.open("ab")
    run.process = subprocess.Popen(
        [sys.executable, "-m", "ogbot", "run", "--config", str(run.tmp / "ogbot.toml")],
        cwd=run.tmp,
        env=run.env,
        stdout=run.log,
        stderr=subprocess.STDOUT,
        umask=0o022,
        preexec_fn=preexec,
    )
    wait_for(lambda: run.process.poll() is not None or run.healthy(), what="ogbot run")
    assert run.process.poll() is None, run.logged()[-2000:]
    return run


def open_directory(prefix: str) -> Path:
    """A temporary directory others may enter: nginx's workers (www-data when the test runs as
    root) read the feeds as the system nginx would, through 0755 directories."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


@pytest.fixture(scope="module")
def service() -> Iterator[Running]:
    """One `ogbot run` on a free loopback port with one source, after its first cycle."""
    tmp = open_directory("ogbot-deploy-")
    web = FakeWeb().start()
    run = Running(tmp, web, None, OGBOT_WEB_METRICS="true")
    try:
        launch(run)
        public = tmp / "data" / "public"
        wait_for(
            lambda: (public / "feed.rss").exists() and (public / "feed.atom").exists(),
            what="the feeds",
        )
        yield run
    finally:
        if run.process is not None and run.process.poll() is None:
            run.stop()
        web.stop()
        shutil.rmtree(tmp, ignore_errors=True)


# --- Dockerfile -----------------------------------------------------------------------------


def test_dockerfile_passes_hadolint_without_warnings(tmp_path: Path):
    hadolint = venv_tool("hadolint")
    result = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr
    # the linter does look: the same file with an untagged base image is flagged
    untagged = tmp_path / "Dockerfile"
    text = DOCKERFILE.read_text(encoding="utf-8")
    untagged.write_text(re.sub(r"^FROM \S+", "FROM python", text, flags=re.M), encoding="utf-8")
    flagged = subprocess.run(
        [hadolint, "--no-color", str(untagged)], capture_output=True, text=True, cwd=tmp_path
    )
    assert flagged.returncode != 0 and "DL3006" in flagged.stdout


def test_dockerfile_runs_ogbot_as_a_non_root_user_with_data_in_a_volume():
    stages = dockerfile()
    final = stages[-1]
    user = final.args("USER")
    assert user, "the final stage sets no USER: it would run as root"
    uid, _, gid = user[-1].partition(":")
    assert uid.isdigit() and int(uid) != 0, f"USER {user[-1]}: a fixed non-zero uid"
    assert not gid or (gid.isdigit() and int(gid) != 0)
    env = final.env()
    assert env["OGBOT_DATA_DIR"] == "/data"
    assert env["OGBOT_WEB_HOST"] == "0.0.0.0"
    volumes = [
        path
        for args in final.args("VOLUME")
        for path in (exec_form(args) if args.startswith("[") else args.split())
    ]
    assert "/data" in volumes
    assert final.args("EXPOSE") == [env["OGBOT_WEB_PORT"]]
    assert final.args("STOPSIGNAL") == ["SIGTERM"]
    (entrypoint,) = final.args("ENTRYPOINT")
    (command,) = final.args("CMD")
    assert exec_form(entrypoint) + exec_form(command) == ["ogbot", "run"]
    assert "/healthz" in " ".join(healthcheck_command(final))
    # the final stage only takes the built environment: no compiler, no pip run, no cache
    assert not any("pip" in args for args in final.args("RUN"))
    taken = [copy_parts(args) for args in final.args("COPY")]
    assert any(flags.get("from") == stages[0].name for flags, _, _ in taken)


def test_dockerfile_base_images_are_pinned_to_exact_versions():
    stages = dockerfile()
    names = {stage.name for stage in stages if stage.name}
    for stage in stages:
        if stage.image in names:
            continue
        _, _, tag = stage.image.partition("@")[0].partition(":")
        assert tag and tag != "latest", f"FROM {stage.image}: no exact version"
        assert re.fullmatch(r"\d+\.\d+\.\d+(-[a-z0-9.-]+)?", tag), f"FROM {stage.image}"
    # the venv is copied between stages: its python is a link to the base image's
    assert len({stage.image for stage in stages}) == 1


def test_dockerfile_installs_dependencies_only_from_the_hashed_lock():
    (build, *_) = dockerfile()
    copied = {dest: sources for _, sources, dest in map(copy_parts, build.args("COPY"))}
    installs = [
        shlex.split(command)
        for args in build.args("RUN")
        for command in args.split("&&")
        if re.search(r"\bpip install\b", command)
    ]
    assert installs, "no pip install in the build stage"
    hashed = 0
    for words in installs:
        options = [w for w in words[words.index("install") + 1 :]]
        if "-r" in options or "--requirement" in options:
            flag = "-r" if "-r" in options else "--requirement"
            lock = options[options.index(flag) + 1]
            assert "--require-hashes" in options, " ".join(words)
            assert copied.get(lock) == ["deploy/requirements.lock"], f"{lock}: not the lock"
            hashed += 1
        else:
            # ogbot itself, from the copied source; its dependencies came from the lock
            assert "--no-deps" in options, " ".join(words)
            targets = [w for w in options if not w.startswith("-")]
            assert targets == ["."], " ".join(words)
    assert hashed == 1


def test_dockerfile_copies_only_what_the_build_context_holds():
    rules = dockerignore_rules()
    for stage in dockerfile():
        for args in stage.args("COPY"):
            flags, sources, _ = copy_parts(args)
            if "from" in flags:
                continue
            for source in sources:
                path = ROOT / source
                assert path.exists(), f"COPY {source}: not in the repository"
                assert not ignored(source, rules), f"COPY {source}: left out by .dockerignore"
                if path.is_dir():
                    wanted = [p for p in path.rglob("*") if p.suffix in {".py", ".md"}]
                    assert set(wanted) <= set(context_files(path, rules)), source
    # and what must never reach an image stays out
    for secret in (
        ".git/config",
        ".venv/bin/python",
        "data/ogbot.sqlite3",
        "data/public/feed.rss",
        "ogbot.toml",
        "deploy/ogbot.toml",
        "deploy/ogbot.env",
        "tests/test_deploy.py",
        "src/ogbot/__pycache__/cli.cpython-312.pyc",
    ):
        assert ignored(secret, rules), f"{secret} would be sent to the Docker daemon"


def test_dockerfile_build_context_makes_a_wheel_with_the_code_and_the_content(tmp_path: Path):
    """The build stage's COPY lines replayed into a directory, then ogbot's wheel built there
    with its `pip install` step's build backend: nothing the wheel needs is missing."""
    (build, *_) = dockerfile()
    rules = dockerignore_rules()
    image = tmp_path / "image"
    workdir = "/"
    install_dir = None
    for instruction in build.instructions:
        if instruction.keyword == "WORKDIR":
            workdir = instruction.args
        elif instruction.keyword == "COPY":
            _, sources, dest = copy_parts(instruction.args)
            target = Path(workdir, dest)
            into_directory = dest.endswith("/") or len(sources) > 1
            for source in sources:
                origin = ROOT / source
                for file in context_files(origin, rules):
                    if origin.is_dir():
                        place = target / file.relative_to(origin)
                    else:
                        place = target / file.name if into_directory else target
                    copy = image / place.relative_to("/")
                    copy.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(file, copy)
        elif instruction.keyword == "RUN" and "--no-deps ." in instruction.args:
            install_dir = image / Path(workdir).relative_to("/")
    assert install_dir is not None, "no `pip install --no-deps .` in the build stage"
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"),
            *("--no-index", "--disable-pip-version-check", "-q", "-w", str(wheels)),
            str(install_dir),
        ],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = wheels.glob("ogbot-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        scripts = archive.read(entry_points).decode()
    code = {
        f"ogbot/{p.relative_to(ROOT / 'src/ogbot').as_posix()}" for p in ROOT.glob("src/**/*.py")
    }
    content = {
        f"ogbot/content/{p.relative_to(ROOT / 'content').as_posix()}"
        for p in (ROOT / "content").rglob("*")
        if p.is_file()
    }
    assert content, "no explainer content in the repository"
    assert code <= names, sorted(code - names)
    assert content <= names, sorted(content - names)
    assert re.search(r"^ogbot = ogbot\.cli:main$", scripts, re.M)


def test_healthcheck_command_passes_against_running_ogbot_and_fails_on_a_closed_port(
    service: Running,
):
    stages = dockerfile()
    command = healthcheck_command(stages[-1])
    assert command[0] == "python"
    command[0] = sys.executable  # the image's python is the venv's; only the stdlib is used

    def check(port: int) -> subprocess.CompletedProcess[str]:
        # a proxy from the environment must not be asked about the container's own loopback
        proxy = f"http://127.0.0.1:{free_port()}"
        env = {"PATH": os.environ.get("PATH", ""), "OGBOT_WEB_PORT": str(port)}
        env |= {"http_proxy": proxy, "HTTP_PROXY": proxy}
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)

    healthy = check(service.port)
    assert healthy.returncode == 0, healthy.stderr
    closed = check(free_port())
    assert closed.returncode != 0


# --- requirements.lock ----------------------------------------------------------------------


def test_requirements_lock_pins_every_runtime_dependency_with_hashes():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    text = LOCK.read_text(encoding="utf-8")
    entries = re.split(r"\n(?=[A-Za-z])", re.sub(r"^#.*\n", "", text, flags=re.M))
    pins: dict[str, Version] = {}
    for entry in entries:
        if not entry.strip():
            continue
        first = entry.split("\\")[0].strip()
        found = re.fullmatch(r"([A-Za-z0-9._-]+)==([^\s;]+)", first)
        assert found, f"not pinned with ==: {first}"
        hashes = re.findall(r"--hash=sha256:([0-9a-f]+)", entry)
        assert hashes, f"{first}: no --hash=sha256"
        assert all(len(h) == 64 for h in hashes), first
        pins[canonicalize_name(found.group(1))] = Version(found.group(2))
    for line in project["dependencies"]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name}: not in {LOCK.name}"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{name}=={pins[name]} does not satisfy pyproject.toml's {requirement}"
        )
    # made for the image's Python, and the header says how to make it again
    header = re.search(r"^#\s+(uv pip compile .*)$", text, re.M)
    assert header, "the header does not give the command that regenerates the lock"
    version = re.search(r"--python-version (\d+\.\d+)", header.group(1))
    assert version and "--generate-hashes" in header.group(1)
    images = {stage.image for stage in dockerfile()}
    assert all(image.split(":")[1].startswith(version.group(1) + ".") for image in images)


# --- compose.yaml and the env file ----------------------------------------------------------


def compose_schema() -> dict[str, Any]:
    """The Compose Specification's JSON schema as check-jsonschema ships it (Apache-2.0)."""
    schema = resources.files("check_jsonschema") / "builtin_schemas/vendor/compose-spec.json"
    return dict(json.loads(schema.read_text(encoding="utf-8")))


def schema_errors(document: Any) -> list[str]:
    schema = compose_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def test_compose_file_follows_the_compose_specification():
    document = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert schema_errors(document) == []
    # the schema is strict: a misspelt key is refused
    document["services"]["ogbot"]["restrat"] = "always"
    assert any("restrat" in error for error in schema_errors(document))


def test_compose_service_keeps_data_in_a_volume_and_listens_on_loopback_only():
    document = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    service = document["services"]["ogbot"]
    build = service["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE.resolve()
    mounts = {}
    for volume in service["volumes"]:
        if isinstance(volume, str):
            source, target = volume.split(":")[:2]
            mounts[target] = {"source": source, "type": "volume", "read_only": False}
        else:
            mounts[volume["target"]] = volume
    assert mounts["/data"]["type"] == "volume"
    assert mounts["/data"]["source"] in document["volumes"]
    config = service["environment"]["OGBOT_CONFIG"]
    assert mounts[config]["read_only"] is True
    assert mounts[config]["bind"]["create_host_path"] is False
    assert service["env_file"] == "ogbot.env"
    assert (DEPLOY / (service["env_file"] + ".example")).exists()
    port = dockerfile()[-1].env()["OGBOT_WEB_PORT"]
    assert service["ports"], "no port published"
    for published in service["ports"]:
        host, _, container = str(published).rpartition(":")
        assert host.startswith("127.0.0.1:"), f"{published}: not on the host's loopback only"
        assert container == port
    assert service["restart"] == "unless-stopped"
    grace = re.fullmatch(r"(\d+)s", service["stop_grace_period"])
    # room for a send in flight to finish before SIGKILL, and for the rest of the stop
    assert grace and int(grace.group(1)) >= SEND_GRACE + 10
    assert service["read_only"] is True
    assert service["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in service["security_opt"]


def test_env_example_and_the_container_environment_hold_only_keys_ogbot_accepts():
    active, optional = env_file(ENV_EXAMPLE)
    assert "OGBOT_TELEGRAM_TOKEN" in active
    assert all(name.startswith("OGBOT_") for name in {*active, *optional})
    container = {
        name: value for name, value in dockerfile()[-1].env().items() if name.startswith("OGBOT_")
    }
    compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]["ogbot"]
    environment = container | compose["environment"]
    assert_ogbot_accepts(environment | active, "ogbot.env.example as it is")
    filled = environment | active | optional | {"OGBOT_TELEGRAM_TOKEN": PLACEHOLDER_TOKEN}
    assert_ogbot_accepts(filled, "ogbot.env.example with every optional line")


# --- systemd --------------------------------------------------------------------------------


def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        pytest.fail("systemd-analyze is missing: apt-get install systemd (scripts/test does it)")
    return found


def verify(directory: Path, *units: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [systemd_analyze(), "verify", *(str(directory / unit) for unit in units)],
        capture_output=True,
        text=True,
        cwd=directory,
    )


def test_systemd_units_pass_systemd_analyze_verify(tmp_path: Path):
    """verify insists that ExecStart's program exists: copies of the units name this checkout's
    venv (what `bash scripts/setup` made here) where the real ones name /opt/ogbot's, which is
    the only change. --root= would need a whole systemd tree (sysinit.target...) in the root."""
    ogbot = VENV_BIN / "ogbot"
    assert ogbot.exists(), "bash scripts/setup makes .venv/bin/ogbot"
    for unit in UNITS:
        text = (DEPLOY / unit).read_text(encoding="utf-8")
        (tmp_path / unit).write_text(text.replace(UNIT_OGBOT, str(ogbot)), encoding="utf-8")
    result = verify(tmp_path, *UNITS)
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), (
        result.stdout + result.stderr
    )
    # verify does read every key: a misspelt one is reported
    misspelt = tmp_path / "ogbot.service"
    text = misspelt.read_text(encoding="utf-8")
    misspelt.write_text(text.replace("RestartPreventExitStatus=", "RestartPrevent="), "utf-8")
    assert "RestartPrevent" in verify(tmp_path, "ogbot.service").stderr


def exposure(unit: str) -> float:
    result = subprocess.run(
        [systemd_analyze(), "security", "--offline=yes", str(DEPLOY / unit)],
        capture_output=True,
        text=True,
    )
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)
    assert found, result.stdout + result.stderr
    return float(found.group(1))


def test_systemd_units_are_hardened_by_systemd_analyze_security():
    # measured 1.1 ("OK"): the network is needed, and UMask 0022 lets nginx read public/
    assert exposure("ogbot.service") <= 1.5
    assert exposure("ogbot-backup.service") <= 0.5  # no network at all


def test_ogbot_service_runs_the_venv_as_its_own_user_and_stops_on_bad_configuration():
    service = systemd_unit("ogbot.service")["Service"]
    assert service["ExecStart"] == [f"{UNIT_OGBOT} run"]
    assert service["User"] == ["ogbot"]
    assert service["Restart"] == ["on-failure"]
    assert service["RestartPreventExitStatus"] == ["2"]
    # room for a send in flight to finish before SIGKILL, and for the rest of the stop
    assert service["TimeoutStopSec"] == ["50"] and SEND_GRACE + 10 <= 50
    # room for the web server's 1,024 connections (half the limit) and everything else
    assert int(service["LimitNOFILE"][0]) >= 2048
    environment = unit_environment(service)
    assert environment["OGBOT_DATA_DIR"] == f"/var/lib/{service['StateDirectory'][0]}"
    # the feeds must be readable by nginx: the directories 0755 (ogbot makes public/ under the
    # umask), while ogbot itself makes the database 0600 and the feeds 0644
    assert service["StateDirectoryMode"] == ["0755"]
    assert service["UMask"] == ["0022"]
    assert service["EnvironmentFile"] == ["-/etc/ogbot/ogbot.env"]
    active, optional = env_file(ENV_EXAMPLE)
    assert_ogbot_accepts(environment | active | optional, "ogbot.service's environment")
    assert "ReadWritePaths" not in service, "StateDirectory= alone makes the data writable"


def test_backup_timer_backs_up_daily_as_ogbot_with_the_same_hardening():
    timer = systemd_unit("ogbot-backup.timer")["Timer"]
    assert timer["Persistent"] == ["true"]
    assert re.fullmatch(r"(daily|\*-\*-\* \d\d:\d\d(:\d\d)?)", timer["OnCalendar"][0])
    backup = systemd_unit("ogbot-backup.service")["Service"]
    service = systemd_unit("ogbot.service")["Service"]
    (command,) = backup["ExecStart"]
    words = command.split()
    assert words[:2] == [UNIT_OGBOT, "backup"]
    assert words[words.index("--keep") + 1].isdigit()
    assert words[-1].startswith(unit_environment(service)["OGBOT_DATA_DIR"] + "/")
    assert words[-1].endswith("/"), "a directory (made when missing), not a file"
    assert unit_environment(backup) == unit_environment(service)
    for key in ("User", "Group", "StateDirectory", "StateDirectoryMode", "EnvironmentFile"):
        assert backup[key] == service[key], key
    hardening = {
        key
        for key in service
        if key.startswith(("Protect", "Private", "Restrict", "SystemCall", "Capability"))
        or key in {"NoNewPrivileges", "LockPersonality", "MemoryDenyWriteExecute", "RemoveIPC"}
    }
    for key in hardening - {"RestrictAddressFamilies"}:
        assert backup.get(key) == service[key], key


def mdwe_supported() -> bool:
    """Whether the kernel has PR_SET_MDWE (Linux 6.3+), and it stops a W+X mapping."""
    probe = subprocess.run(
        [sys.executable, "-c", "import mmap; mmap.mmap(-1, 4096, prot=7)"],
        preexec_fn=refuse_writable_code,
        capture_output=True,
        text=True,
    )
    return probe.returncode != 0 and "PermissionError" in probe.stderr


PR_SET_MDWE = 65
PR_MDWE_REFUSE_EXEC_GAIN = 1


def refuse_writable_code() -> None:
    """In the child before exec: the kernel's form of MemoryDenyWriteExecute=yes (no memory
    both writable and executable, none made executable later), kept across exec."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) != 0:
        os._exit(97)


def test_ogbot_runs_under_memory_deny_write_execute(
    tmp_path: Path, fake_web: FakeWeb, fake_telegram: FakeTelegram
):
    """The unit sets MemoryDenyWriteExecute=yes: ogbot (CPython, lxml, aiohttp, nh3, rapidfuzz,
    python-telegram-bot) watches, writes the feeds and posts under it, and stops cleanly."""
    assert systemd_unit("ogbot.service")["Service"]["MemoryDenyWriteExecute"] == ["yes"]
    if not mdwe_supported():
        pytest.skip("the kernel has no PR_SET_MDWE (Linux 6.3+)")
    run = launch(Running(tmp_path, fake_web, fake_telegram), preexec=refuse_writable_code)
    try:
        wait_for(lambda: fake_telegram.sent(CHANNEL), what="the backlog post")
        wait_for(lambda: (tmp_path / "data/public/feed.atom").exists(), what="the feeds")
        assert run.health()["sources"][0]["last_status"] == "ok"
        assert "Germany" in httpx.get(run.url + "/", timeout=5).text
    finally:
        code, _ = run.stop(signal.SIGTERM)
    assert code == 0
    assert "Traceback" not in run.logged()


# --- nginx ----------------------------------------------------------------------------------


def nginx_binary() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found is None:
        pytest.fail("nginx is not installed: apt-get install nginx (scripts/test does it)")
    return found


NGINX_MAIN = """
daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log notice;
{user}
events {{ worker_connections 64; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/ogbot.conf;
}}
"""


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.fixture
def nginx(service: Running) -> Iterator[str]:
    """deploy/nginx.conf in a real nginx on a free port, in front of `service`: only the
    listen port, the feeds' directory and ogbot's address are changed."""
    binary = nginx_binary()
    snippet = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    # as deployed: the files where ogbot.service has them, ogbot where its defaults put it
    data_dir = unit_environment(systemd_unit("ogbot.service")["Service"])["OGBOT_DATA_DIR"]
    web = build_settings({}, {}, Path("/")).web
    assert f"root {data_dir}/public;" in snippet
    assert f"proxy_pass http://{web.host}:{web.port};" in snippet
    directory = open_directory("ogbot-nginx-")
    port = free_port()
    ipv6 = f"listen [::1]:{port};" if ipv6_loopback() else ""
    changes = {
        "listen 80;": f"listen 127.0.0.1:{port};",
        "listen [::]:80;": ipv6,
        "root /var/lib/ogbot/public;": f"root {service.tmp / 'data' / 'public'};",
        "http://127.0.0.1:8080": service.url,
    }
    for old, new in changes.items():
        assert old in snippet, f"deploy/nginx.conf no longer has {old!r}"
        snippet = snippet.replace(old, new)
    (directory / "ogbot.conf").write_text(snippet, encoding="utf-8")
    # as root, the workers run as Debian's nginx user, as they would on the server
    user = "user www-data;" if os.geteuid() == 0 and _has_user("www-data") else ""
    main = NGINX_MAIN.format(dir=directory, user=user)
    (directory / "nginx.conf").write_text(main, encoding="utf-8")
    command = [binary, "-p", str(directory), "-c", str(directory / "nginx.conf")]
    command += ["-e", str(directory / "error.log")]
    tested = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert tested.returncode == 0 and "test is successful" in tested.stderr, tested.stderr
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"

    def listening() -> bool:
        assert process.poll() is None, (directory / "error.log").read_text()
        try:
            return httpx.get(url + "/healthz", timeout=1).status_code > 0
        except httpx.HTTPError:
            return False

    try:
        wait_for(listening, what="nginx")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("feed.rss", "application/rss+xml; charset=utf-8"),
        ("feed.atom", "application/atom+xml; charset=utf-8"),
    ],
)
def test_nginx_serves_the_feeds_from_ogbots_files_with_etag_and_304(
    service: Running, nginx: str, name: str, content_type: str
):
    feed = service.tmp / "data" / "public" / name
    stat = feed.stat()
    plain = {"Accept-Encoding": "identity"}
    response = httpx.get(f"{nginx}/{name}", headers=plain, timeout=5)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.content == feed.read_bytes()
    # nginx's own validators, from the file: served by nginx, not passed on to ogbot
    etag = f'"{int(stat.st_mtime):x}-{stat.st_size:x}"'
    assert response.headers["etag"] == etag
    assert response.headers["last-modified"] == email.utils.formatdate(
        int(stat.st_mtime), usegmt=True
    )
    assert response.headers["cache-control"] == "max-age=300"
    again = httpx.get(f"{nginx}/{name}", headers=plain | {"If-None-Match": etag}, timeout=5)
    assert again.status_code == 304 and again.content == b""
    # a feed reader that takes gzip gets it compressed, and its weak ETag still matches
    zipped = httpx.get(f"{nginx}/{name}", timeout=5)
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == feed.read_bytes()
    revalidated = httpx.get(
        f"{nginx}/{name}", headers={"If-None-Match": zipped.headers["etag"]}, timeout=5
    )
    assert revalidated.status_code == 304


def test_nginx_passes_the_page_and_health_on_to_ogbot(service: Running, nginx: str):
    direct = httpx.get(service.url + "/", timeout=5)
    page = httpx.get(nginx + "/", timeout=5)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == direct.headers["content-security-policy"]
    health = httpx.get(nginx + "/healthz", timeout=5)
    assert health.status_code == 200
    assert health.json().keys() == service.health().keys()
    assert [s["name"] for s in health.json()["sources"]] == ["ogp"]


def test_nginx_keeps_metrics_internal_and_passes_the_webhook_path_on(service: Running, nginx: str):
    assert httpx.get(service.url + "/metrics", timeout=5).status_code == 200
    outside = httpx.get(nginx + "/metrics", timeout=5)
    assert outside.status_code == 404
    assert "ogbot_" not in outside.text
    # Telegram's updates reach ogbot (here not in webhook mode: its own answer, with its headers)
    update = httpx.post(nginx + "/telegram/updates", json={"update_id": 1}, timeout=5)
    direct = httpx.post(service.url + "/telegram/updates", json={"update_id": 1}, timeout=5)
    assert update.status_code == direct.status_code
    assert update.headers["content-security-policy"] == direct.headers["content-security-policy"]
