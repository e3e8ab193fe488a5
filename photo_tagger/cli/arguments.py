"""Argument checks of the command line: one-line usage errors (exit 2), bounded numbers, names of tags and labels."""

from __future__ import annotations

import argparse

from photo_tagger.cli.output import shown
from photo_tagger.core.errors import ConfigError
from photo_tagger.core.labels import checked_name

USAGE_ERROR = 2  # what argparse exits with for a bad command line


class OneLineParser(argparse.ArgumentParser):
    """argparse's parser whose usage errors are one line (the error and where --help is), not usage + error:
    a bad argument is said as any other refusal of the command line is. Subcommands' parsers are of this class
    too (argparse makes them with the parent's class)."""

    def error(self, message: str):
        self.exit(USAGE_ERROR, shown(f"{self.prog}: error: {message} (see {self.prog} --help)") + "\n")


def bounded_int(low: int, high: int, what: str):
    """An argparse type: a whole number from `low` to `high` (a huge one would overflow SQLite's integers)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} is a whole number from {low} to {high}, not {text[:40]!r}")
        return value
    return parse


def name_of(what: str):
    """An argparse type: a name for a tag, a label or a category (core.labels.checked_name), without outer spaces."""
    def parse(text: str) -> str:
        try:
            return checked_name(text, what)
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    parse.__name__ = f"{what} name"  # what argparse says when the type fails without a message
    return parse

