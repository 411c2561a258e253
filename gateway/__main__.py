"""``python -m gateway web``: serve the gateway with gunicorn."""
from __future__ import annotations

import argparse

from servicekit.serving import exec_gunicorn
from servicekit.settings import Settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m gateway",
                                     description="The platform's API gateway.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("web", help="serve HTTP with gunicorn")
    parser.parse_args(argv)
    exec_gunicorn("gateway.app:create_app()", Settings.from_env("gateway"))


if __name__ == "__main__":
    main()
