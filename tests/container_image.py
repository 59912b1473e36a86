"""Building the image for the container tests (tests/test_container.py).

    built = build_twice(env, say)     # env: from tests/docker_engine.py; say: prints a line

The base is the Dockerfile's own (ARG PYTHON_IMAGE) when it is present or can be pulled; when
the registry cannot be reached, scripts/container-base builds the stand-in from Debian's
packages, passed as PYTHON_IMAGE. Builds use the classic builder (Debian 12 has no buildx) and
``--network host`` (the engine may have no bridge).
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGE = "chainrule:test"
Say = Callable[[str], None]
Env = dict[str, str]


def docker(env: Env, *args: str, timeout: float = 120,
           check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["docker", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)}: exit {done.returncode}\n{done.stderr}")
    return done


def base_image_args(env: Env, say: Say) -> list[str]:
    """The Dockerfile's own base when it can be had; else the stand-in, as a build argument."""
    default = re.search(r"^ARG PYTHON_IMAGE=(\S+)", (ROOT / "Dockerfile").read_text(), re.M)
    assert default, "the Dockerfile names its base in ARG PYTHON_IMAGE"
    if docker(env, "image", "inspect", default[1], check=False).returncode == 0:
        say(f"base: {default[1]} (present)")
        return []
    pull = docker(env, "pull", default[1], timeout=600, check=False)
    if pull.returncode == 0:
        say(f"base: {default[1]} (pulled)")
        return []
    reason = (pull.stderr.strip().splitlines() or ["?"])[-1]
    say(f"base: cannot pull {default[1].split('@')[0]}: {reason[:150]}")
    t0 = time.monotonic()
    done = subprocess.run([str(ROOT / "scripts" / "container-base")], env=env, text=True,
                          capture_output=True, timeout=1200, check=False)
    assert done.returncode == 0, done.stderr
    say(f"base: stand-in {done.stdout.strip()} from Debian packages "
        f"({done.stderr.strip().splitlines()[-1]}; {time.monotonic() - t0:.0f} s)")
    return ["--build-arg", f"PYTHON_IMAGE={done.stdout.strip()}"]


@dataclass
class Build:
    seconds: float
    image_id: str
    log: str


@dataclass
class Built:
    first: Build
    second: Build
    labels: dict[str, str]
    args: dict[str, str]


def build(env: Env, args: list[str]) -> Build:
    t0 = time.monotonic()
    done = docker({**env, "DOCKER_BUILDKIT": "0"}, "build", "--network", "host", *args,
                  "-t", IMAGE, str(ROOT), timeout=1200)
    image_id = docker(env, "image", "inspect", "-f", "{{.Id}}", IMAGE).stdout.strip()
    return Build(time.monotonic() - t0, image_id, done.stdout)


def git(*args: str) -> str:
    done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True,
                          timeout=30, check=False)
    return done.stdout.strip() if done.returncode == 0 else ""


def build_twice(engine: Env, say: Say) -> Built:
    """Builds IMAGE twice with the same arguments; prints the times, the size, the cache hits."""
    given = {"SOURCE_URL": git("remote", "get-url", "origin") or ROOT.as_uri(),
             "REVISION": git("rev-parse", "HEAD")}
    args = base_image_args(engine, say)
    for key, value in given.items():
        args += ["--build-arg", f"{key}={value}"]
    first = build(engine, args)
    size = int(docker(engine, "image", "inspect", "-f", "{{.Size}}", IMAGE).stdout)
    say(f"build 1: {first.seconds:.1f} s, image {size / 1e6:.0f} MB, "
        f"{first.log.count('Using cache')} steps from the cache")
    second = build(engine, args)
    say(f"build 2: {second.seconds:.1f} s, {second.log.count('Using cache')} steps from the "
        f"cache, {second.log.count('Running in')} run")
    # Images this tag named before are now dangling: remove those of ours, nothing else.
    docker(engine, "image", "prune", "-f",
           "--filter", "label=org.opencontainers.image.title=Chainrule")
    labels = json.loads(docker(engine, "image", "inspect", "-f", "{{json .Config.Labels}}",
                               IMAGE).stdout)
    return Built(first, second, labels, given)
