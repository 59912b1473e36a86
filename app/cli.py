"""The ``chainrule`` console command: starts the server.

    chainrule --help                    # every setting, its environment variable and default
    chainrule --port 9000 --workers 2
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

import uvicorn

from app.settings import Settings


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="chainrule",
        description="Serve Chainrule (the page and the REST API). Every setting can also be "
        "given as an environment variable; the command line wins.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    for name, f in Settings.model_fields.items():
        env = f"CHAINRULE_{name.upper()}"
        if name in ("host", "port", "workers"):
            p.add_argument(f"--{name}", type=type(f.default), default=None,
                           help=f"{f.description} [env {env}, default {f.default!r}]")
    settings_help = "\n".join(
        f"  CHAINRULE_{n.upper():<24} {f.description} (default {f.get_default(call_default_factory=True)!r})"
        for n, f in Settings.model_fields.items()
    )
    p.epilog = "environment variables:\n" + settings_help
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    return p


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    # The command line overrides the environment; worker processes read the environment.
    for name in ("host", "port", "workers"):
        if getattr(args, name) is not None:
            os.environ[f"CHAINRULE_{name.upper()}"] = str(getattr(args, name))
    s = Settings()
    uvicorn.run(
        "app.main:app",
        host=s.host,
        port=s.port,
        workers=s.workers,
        proxy_headers=False,
        server_header=False,
        log_level="info",
    )


if __name__ == "__main__":
    main()
