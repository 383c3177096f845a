"""`assistant` console script: a thin dispatcher over assistant/commands/*.

Each module in COMMANDS exposes `register(subparsers)`, which adds its sub-command and sets
`func(args) -> int` as the handler. Errors meant for the user are French, on stderr, exit code 2.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from .errors import InputError

COMMANDS = ("assess", "referential", "triage", "purge")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assistant",
        description="Assistant d'éligibilité FITN7 axe 3 (guichet départemental).",
    )
    sub = parser.add_subparsers(dest="command", metavar="commande")
    for name in COMMANDS:
        importlib.import_module(f"assistant.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except InputError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
