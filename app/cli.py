"""The ``chainrule`` console command: starts the server.

    chainrule --help                    # every setting, its environment variable and default
    chainrule --port 9000 --workers 2
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence

import uvicorn

from app.settings import Settings

FLAGS = ("host", "port", "workers")  # settings that also have a command-line flag


def _epilog() -> str:
    lines = ["environment variables (the command line wins):"]
    for name, f in Settings.model_fields.items():
        default = f.get_default(call_default_factory=True)
        lines.append(f"  CHAINRULE_{name.upper():<20} {f.description} (default: {default!r})")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="chainrule",
        description="Serve Chainrule: the page at / and the REST API under /api.",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for name in FLAGS:
        f = Settings.model_fields[name]
        p.add_argument(f"--{name}", type=type(f.default), default=None,
                       help=f"{f.description} (default: {f.default!r})")
    return p


def _require_temp_dir() -> None:
    """Exit with a message saying so when no temporary directory is writable.

    The compute workers start from a forkserver, which listens on a Unix socket in a fresh
    temporary directory (multiprocessing.util.get_temp_dir): without one the server would start,
    then answer 503 to every request that needs a worker. Raises SystemExit (status 1).
    """
    try:
        with tempfile.TemporaryDirectory(prefix="chainrule-"):
            pass
    except OSError as e:
        sys.exit(f"chainrule: no writable temporary directory ({e}); the compute workers need "
                 "one for their sockets: set TMPDIR, or give a read-only container --tmpfs /tmp")


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    _require_temp_dir()
    # Worker processes build their settings from the environment, so flags go there.
    for name in FLAGS:
        if getattr(args, name) is not None:
            os.environ[f"CHAINRULE_{name.upper()}"] = str(getattr(args, name))
    s = Settings()
    uvicorn.run("app.main:app", host=s.host, port=s.port, workers=s.workers,
                server_header=False, log_level="info", access_log=False)


if __name__ == "__main__":
    main()
