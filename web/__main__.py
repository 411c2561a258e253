"""``python -m web web``: serve the web client with gunicorn (its own process in production)."""
from __future__ import annotations

import argparse

from servicekit.serving import exec_gunicorn
from servicekit.settings import Settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m web", description="The platform's web client.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("web", help="serve HTTP with gunicorn")
    parser.parse_args(argv)
    exec_gunicorn("web.app:create_app()", Settings.from_env("web"))


if __name__ == "__main__":
    main()
