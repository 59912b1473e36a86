"""The Docker image, built from the unmodified Dockerfile and run as a user and an operator would.

A Docker engine comes from tests/docker_engine.py (the one that answers, or dockerd started and
stopped here). The base image is the Dockerfile's default (the official image, by digest) when it
is present or can be pulled; when the registry cannot be reached, scripts/container-base builds a
stand-in from Debian's packages (cached) and the build gets it as PYTHON_IMAGE. The image is
built twice: the second build must come whole from the cache. Then containers run with
``--network host`` on free ports, and each check prints a line (pytest shows them as it goes):

- a plain container: the page, every file under static/ (byte for byte) and every example of
  /api/examples answer 200; CHAINRULE_PORT moves the server and the HEALTHCHECK with it (the
  container goes healthy); the server runs as a non-root uid; ``docker stop`` ends it in < 2 s;
- hardened (``--read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges``, two
  server workers, a small CHAINRULE_MAX_BODY_BYTES): every example still answers, and the body
  limit set in the environment holds;
- read-only without a writable /tmp: the server exits at start, saying why;
- the image: labels (version and licence match the installed package), no wheel, no PIP_*
  settings; compose.yaml passes ``docker compose config`` and its proxy points at the service.

    pytest -m container          # only these (cold: ~4 min; cached: ~1.5 min)
    pytest -m "not container"    # everything else
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml  # PyYAML: a dependency of uvicorn[standard]
from container_image import IMAGE, ROOT, Built, Env, Say, build_twice, docker
from docker_engine import docker_engine

NAME = "chainrule-test"  # every container made here is named NAME-<port>

pytestmark = [pytest.mark.container, pytest.mark.timeout(1800)]


def http(url: str, body: bytes | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def say(request: pytest.FixtureRequest) -> Say:
    """Prints a line as the tests go, past pytest's output capture."""
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")

    def say(line: str) -> None:
        if reporter and capture:
            with capture.global_and_fixture_disabled():
                reporter.write_line(f"[container] {line}")

    return say


@pytest.fixture(scope="module")
def engine(say: Say) -> Iterator[Env]:
    with docker_engine(say) as env:
        for name in docker(env, "ps", "-aq", "--filter", f"name={NAME}-").stdout.split():
            docker(env, "rm", "-f", name)  # left by an interrupted run
        yield env


@pytest.fixture(scope="module")
def built(engine: Env, say: Say) -> Built:
    return build_twice(engine, say)


@contextmanager
def container(env: Env, say: Say, *run_args: str) -> Iterator[tuple[str, str]]:
    """(name, base URL) of a running container of the image on a free port of the host."""
    port = free_port()
    name = f"{NAME}-{port}"
    docker(env, "run", "-d", "--name", name, "--network", "host",
           "-e", f"CHAINRULE_PORT={port}", *run_args, IMAGE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if http(base + "/api/health")[0] == 200:
                    break
            except OSError:
                pass
            state = docker(env, "inspect", "-f", "{{.State.Status}}", name).stdout.strip()
            assert state == "running" and time.monotonic() < deadline, (
                f"{name} is {state}, not serving:\n" + docker(env, "logs", name).stderr)
            time.sleep(0.25)
        yield name, base
    finally:
        docker(env, "rm", "-f", name, check=False)


@dataclass
class Served:
    name: str
    base: str
    examples: list[dict[str, Any]]  # what its /api/examples lists


def failing_examples(base: str, examples: list[dict[str, Any]]) -> dict[str, str]:
    bad = {}
    for ex in examples:
        status, body = http(base + ex["endpoint"], json.dumps(ex["request"]).encode())
        if status != 200:
            bad[ex["id"]] = f"{status} {body[:200]!r}"
    return bad


@pytest.fixture(scope="module")
def served(engine: Env, built: Built, say: Say) -> Iterator[Served]:
    """A plain container: only CHAINRULE_PORT is set (a free port: the host's network is used)."""
    with container(engine, say) as (name, base):
        status, body = http(base + "/api/examples")
        assert status == 200, body[:300]
        yield Served(name, base, json.loads(body))


def test_second_build_comes_from_the_cache(built: Built) -> None:
    assert built.second.image_id == built.first.image_id
    assert "Running in" not in built.second.log, "a step ran again in the second build"


def test_image_labels_match_the_installed_package_and_no_wheel_or_pip_setting_is_left(
    engine: Env, built: Built, say: Say
) -> None:
    probe = ("import json, importlib.metadata as m; d = m.metadata('chainrule'); "
             "print(json.dumps([d['Version'], d['License-Expression']]))")
    version, licence = json.loads(docker(engine, "run", "--rm", "--network", "none", IMAGE,
                                         "python", "-c", probe).stdout)
    labels = built.labels
    assert labels["org.opencontainers.image.version"] == version
    assert labels["org.opencontainers.image.licenses"] == licence
    assert labels["org.opencontainers.image.source"] == built.args["SOURCE_URL"]
    assert labels["org.opencontainers.image.revision"] == built.args["REVISION"]
    env = json.loads(docker(engine, "image", "inspect", "-f", "{{json .Config.Env}}",
                            IMAGE).stdout)
    assert not [e for e in env if e.startswith("PIP_")], env
    wheels = docker(engine, "run", "--rm", "--network", "none", "--user", "0", IMAGE,
                    "find", "/", "-xdev", "(", "-name", "chainrule-*.whl", "-o", "-path", "/dist",
                    ")").stdout.split()
    assert not wheels, wheels
    say(f"image: version {version}, licence {licence}, source and revision labels; "
        "no chainrule wheel, no PIP_* setting")


def test_serves_the_page_every_static_file_and_every_example(
    served: Served, say: Say
) -> None:
    base = served.base
    status, page = http(base + "/")
    assert status == 200 and b"Chainrule" in page
    files = [p for p in (ROOT / "static").rglob("*")
             if p.is_file() and not p.name.startswith(".")]
    differ = [p for p in files
              if http(f"{base}/static/{p.relative_to(ROOT / 'static').as_posix()}")
              != (200, p.read_bytes())]
    assert not differ, f"not served as in the repository: {differ}"
    assert served.examples and not (bad := failing_examples(base, served.examples)), bad
    say(f"plain: page 200, {len(files)} static files byte-identical, "
        f"{len(served.examples)} examples 200 on CHAINRULE_PORT={base.rsplit(':', 1)[1]}")


def test_runs_as_a_non_root_user(engine: Env, served: Served, say: Say) -> None:
    status = docker(engine, "exec", served.name, "cat", "/proc/1/status").stdout
    uid = int(re.search(r"^Uid:\s+(\d+)", status, re.M)[1])  # type: ignore[index]
    assert uid != 0
    say(f"plain: the server (pid 1) runs as uid {uid}")


def test_healthcheck_follows_the_port_and_goes_healthy(
    engine: Env, served: Served, say: Say
) -> None:
    deadline = time.monotonic() + 90  # the image's first check comes after --interval (15 s)
    while (health := docker(engine, "inspect", "-f", "{{.State.Health.Status}}",
                            served.name).stdout.strip()) != "healthy":
        assert health == "starting" and time.monotonic() < deadline, health
        time.sleep(1)
    say("plain: HEALTHCHECK healthy, on the port CHAINRULE_PORT named")


def test_docker_stop_ends_it_cleanly_within_2_s(
    engine: Env, served: Served, say: Say
) -> None:
    t0 = time.monotonic()
    docker(engine, "stop", "-t", "10", served.name)
    seconds = time.monotonic() - t0
    code = docker(engine, "inspect", "-f", "{{.State.ExitCode}}", served.name).stdout.strip()
    assert seconds < 2, f"docker stop took {seconds:.1f} s"
    assert code == "0", f"exit code {code} (137: killed after the grace period)"
    say(f"plain: docker stop took {seconds:.2f} s, exit code 0")


def test_hardened_container_answers_every_example(
    engine: Env, served: Served, say: Say
) -> None:
    limit = 1024 + max(len(json.dumps(ex["request"])) for ex in served.examples)
    hardened = ["--read-only", "--tmpfs", "/tmp", "--cap-drop", "ALL",
                "--security-opt", "no-new-privileges", "-e", "CHAINRULE_WORKERS=2",
                "-e", f"CHAINRULE_MAX_BODY_BYTES={limit}"]
    with container(engine, say, *hardened) as (_, base):
        assert not (bad := failing_examples(base, served.examples)), bad
        status, _ = http(base + "/api/graph", b'{"expression": "x", "pad": "' + b"x" * limit
                         + b'"}')
        assert status == 413
    say(f"hardened: every example 200 (read-only, tmpfs /tmp, no capabilities, "
        f"no-new-privileges, 2 workers); a body over CHAINRULE_MAX_BODY_BYTES={limit}: 413")


def test_without_a_writable_temp_dir_it_exits_at_start_saying_why(
    engine: Env, built: Built, say: Say
) -> None:
    name = f"{NAME}-{free_port()}"
    docker(engine, "run", "-d", "--name", name, "--network", "host", "--read-only",
           "-e", f"CHAINRULE_PORT={name.rsplit('-', 1)[1]}", IMAGE)
    try:
        code = docker(engine, "wait", name, timeout=30).stdout.strip()
        logs = docker(engine, "logs", name).stderr
    finally:
        docker(engine, "rm", "-f", name, check=False)
    assert code != "0"
    assert "no writable temporary directory" in logs and "--tmpfs /tmp" in logs, logs
    say(f"read-only without --tmpfs /tmp: exit {code} at start: {logs.strip()[:110]}...")


def test_compose_file_renders_two_replicas_behind_the_proxy(
    engine: Env, built: Built, say: Say
) -> None:
    cmd = ["docker-compose"] if shutil.which("docker-compose") else ["docker", "compose"]
    done = subprocess.run([*cmd, "-f", str(ROOT / "compose.yaml"), "config"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    services = yaml.safe_load(done.stdout)["services"]
    apps = [n for n, s in services.items() if s.get("build", {}).get("context") == str(ROOT)]
    assert len(apps) == 1, services
    assert services[apps[0]]["deploy"]["replicas"] == 2
    proxies = {n: s for n, s in services.items() if n not in apps}
    (proxy,) = proxies.values()
    mounts = [v for v in proxy["volumes"] if isinstance(v, str) and v.startswith(str(ROOT))]
    conf = Path(mounts[0].split(":")[0])
    assert conf.is_file(), conf
    servers = re.findall(r"^\s*server\s+([\w.-]+):(\d+)", conf.read_text(), re.M)
    env = json.loads(docker(engine, "image", "inspect", "-f", "{{json .Config.Env}}",
                            IMAGE).stdout)
    port = [e.split("=", 1)[1] for e in env if e.startswith("CHAINRULE_PORT=")]
    assert servers == [(apps[0], *port)], (servers, port)  # the port the image listens on
    say(f"compose: `{' '.join(cmd)} config` OK: {apps[0]} x2 behind "
        f"{', '.join(proxies)} ({conf.relative_to(ROOT)} -> {apps[0]}:{port[0]})")
