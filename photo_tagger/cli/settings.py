"""`photo-tagger settings [KEY [VALUE]]`: list, show or change settings.toml's settings, checked as the window's
Settings dialog checks them (config.Settings)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from photo_tagger.cli.output import say, say_json, shown
from photo_tagger.config import SETTINGS_HELP, check_setting_name, format_setting, parse_setting
from photo_tagger.core.errors import PhotoTaggerError

if TYPE_CHECKING:
    from photo_tagger.app import App

USAGE_ERROR = 2  # as argparse exits for a bad command line


def register(subparsers) -> None:
    p = subparsers.add_parser("settings", help="list the settings, show one (KEY) or change one (KEY VALUE)",
                              description="Without KEY: every setting with its value and what it does. "
                              "With KEY: its value. With KEY VALUE: set it (checked first; nothing is saved when "
                              "the value is refused).")
    p.add_argument("key", nargs="?", metavar="KEY")
    p.add_argument("value", nargs="?", metavar="VALUE")
    p.add_argument("--json", action="store_true", help="with no KEY: the settings as JSON")
    p.set_defaults(handler=_settings)


def _settings(app: App, args) -> int:
    for problem in app.settings_problems:  # the file every other command refuses: said, and fixable here
        if args.value is None or f": {args.key} " not in problem:
            print(shown(f"photo-tagger settings: warning: {problem}"), file=sys.stderr)
    if args.key is None:
        return _list(app, args.json)
    try:
        check_setting_name(args.key)
        if args.value is None:
            say(format_setting(getattr(app.settings, args.key)))
            return 0
        return _set(app, args.key, args.value)
    except PhotoTaggerError as exc:
        print(shown(f"photo-tagger settings: error: {exc}"), file=sys.stderr)
        return USAGE_ERROR


def _list(app: App, as_json: bool) -> int:
    if as_json:
        say_json({key: getattr(app.settings, key) for key in SETTINGS_HELP})
        return 0
    width = max(map(len, SETTINGS_HELP))
    for key, help_text in SETTINGS_HELP.items():
        value = format_setting(getattr(app.settings, key))
        say(f"{key:<{width}}  {value if value else '(empty)'}")
        say(f"{'':<{width}}  {help_text}")
    say(f"\nin {app.paths.settings_file}")
    return 0


def _set(app: App, key: str, text: str) -> int:
    value = parse_setting(key, text)
    app.settings.with_changes(**{key: value})  # Settings checks the value: refused before anything is saved
    app.model_service.check_setting(key, value)  # an installed, intact model; a precision it was installed with
    app.update_settings(**{key: value})
    say(f"{key} = {format_setting(value) or '(empty)'}")
    return 0

