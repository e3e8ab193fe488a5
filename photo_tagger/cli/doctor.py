"""`photo-tagger doctor`: what is installed, what really loaded, where data lives; exit 0 when usable."""

from __future__ import annotations

from typing import TYPE_CHECKING

from photo_tagger.cli.output import say, say_json
from photo_tagger.core.errors import PhotoTaggerError

if TYPE_CHECKING:
    from photo_tagger.app import App


def register(subparsers) -> None:
    p = subparsers.add_parser("doctor", help="check the installation: versions, onnxruntime, models, paths")
    p.add_argument("--json", action="store_true")
    p.add_argument("--licences", "--licenses", action="store_true",
                   help="list the app's licence and every runtime dependency with its licence, then stop")
    p.add_argument("--full", action="store_true", help="with --licences: the whole third-party notices, licence texts "
                   "included (the file Help > About opens)")
    p.set_defaults(handler=_doctor)


def _licences(args) -> int:
    from photo_tagger.services import notices

    if args.full:
        say(notices.third_party_notices().rstrip("\n"))
    else:
        say(notices.summary())
        say("\nThe licence texts and notices in full: photo-tagger doctor --licences --full")
    return 0


def _doctor(app: App, args) -> int:
    if args.licences:
        return _licences(args)
    if args.full:
        raise PhotoTaggerError("--full goes with --licences")
    report = app.diagnostics_service.doctor_report()
    if args.json:
        say_json(report)
        return 0 if report["usable"] else 1
    ort = report["onnxruntime"]
    say(f"Photo Tagger {report['photo_tagger']}")
    say(report["python"])
    say("Packages: " + ", ".join(f"{k} {v or 'MISSING'}" for k, v in report["packages"].items()))
    say("Model export (optional): " + ", ".join(f"{k} {v or '-'}" for k, v in report["export_packages"].items()))
    dists = ", ".join(f"{k} {v}" for k, v in ort["distributions"].items()) or "none"
    say(f"onnxruntime {ort['version'] or '-'} (installed: {dists}; native library from: "
        f"{ort['native_library_from'] or 'unknown'})")
    say(f"  execution providers: {', '.join(ort['providers']) or '-'}")
    say(f"  settings: device {report['settings']['device']}, precision {report['settings']['precision']}")
    say("Paths:")
    for key, value in report["paths"].items():
        say(f"  {key:8} {value}")
    say("Models:")
    active = report["active_model"]
    for entry in report["models"] or [{"name": "(none installed)", "ok": True, "problem": ""}]:
        mark = "*" if active and entry["name"] == active["name"] else " "
        say(f"  {mark} {entry['name']}" + ("" if entry["ok"] else f"  BROKEN: {entry['problem']}"))
    if active:
        say(f"  in use: {active['name']}, image encoder {active['precision']} on {active['image_encoder_on']}")
    desktop = report["desktop"]
    missing = ", ".join(desktop["missing_libraries"])
    state = "ok" if desktop["ok"] else f"missing {missing}" if missing else "cannot start"
    say(f"Desktop window (Qt {desktop['platform']}): " + (state if desktop["checked"] else "not checked here"))
    store = report["store"]
    say("Library server: " + (f"{store['url']} (token: {store['token']}; CA file: {store['ca_file'] or 'public CAs'})"
                              if store["url"] else "none (the library is on this computer)"))
    for note in report["notes"]:
        say(f"Note: {note}")
    for problem in report["problems"]:
        say(f"PROBLEM: {problem}")
    say("Usable: yes" if report["usable"] else "Usable: no")
    return 0 if report["usable"] else 1
