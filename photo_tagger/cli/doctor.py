"""`photo-tagger doctor`: what is installed, what really loaded, where data lives; exit 0 when usable."""

from __future__ import annotations

from photo_tagger import __version__
from photo_tagger.cli.output import say, say_json
from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.services import diagnostics
from photo_tagger.services.diagnostics import check_desktop
from photo_tagger.services.store_server import access_summary


def register(subparsers) -> None:
    p = subparsers.add_parser("doctor", help="check the installation: versions, onnxruntime, models, paths")
    p.add_argument("--json", action="store_true")
    p.add_argument("--licences", "--licenses", action="store_true",
                   help="list the app's licence and every runtime dependency with its licence, then stop")
    p.add_argument("--full", action="store_true", help="with --licences: the whole third-party notices, licence texts "
                   "included (the file Help > About opens)")
    p.set_defaults(handler=_doctor)


def collect(app) -> dict:
    ort = diagnostics.onnxruntime_info()
    report = {
        "photo_tagger": __version__,
        "python": diagnostics.python_info(),
        "packages": {name: diagnostics.package_version(name) or None for name in diagnostics.PACKAGES},
        "export_packages": {name: diagnostics.package_version(name) or None
                            for name in diagnostics.EXPORT_PACKAGES},
        "onnxruntime": {"version": ort.version, "providers": ort.providers, "distributions": ort.installed,
                        "native_library_from": ort.loaded_from},
        "paths": {"config": str(app.paths.settings_file), "models": str(app.paths.models_dir),
                  "library": str(app.paths.library_dir), "cache": str(app.paths.cache_dir),
                  "logs": str(app.paths.log_dir)},
        "settings": {"device": app.settings.device, "precision": app.settings.precision},
        "models": [],
        "problems": list(ort.problems),
        "notes": list(ort.notes),
    }
    for name, model, problem in app.models.list():
        report["models"].append({"name": name, "ok": model is not None, "problem": problem})
    report["active_model"] = _check_active_model(app, report["problems"])
    report["desktop"] = _check_desktop(report["problems"])
    report["store"] = _store(app)
    report["usable"] = not report["problems"]
    return report


def _check_active_model(app, problems: list[str]) -> dict | None:
    """Load the encoders the way the app will, so "usable" means they really run."""
    try:
        model = app.active_model()
        image_encoder, text_encoder = app.image_encoder, app.text_encoder
        text_encoder.encode_texts(["a photo of a cat"])
        return {"name": model.name, "image_encoder_on": image_encoder.providers[0],
                "precision": image_encoder.precision}
    except PhotoTaggerError as exc:
        problems.append(str(exc))
        return None


def _store(app) -> dict:
    """Where the library's vectors live and where a server's token would come from: never the token itself."""
    return access_summary(app.settings.store_url, app.settings.store_ca_file)


def _check_desktop(problems: list[str]) -> dict:
    """The libraries the window needs, checked the way the app checks them before it starts Qt."""
    desktop = check_desktop(need_display=False)  # doctor runs in terminals without a display too
    if desktop.problem:
        problems.append(f"the desktop window cannot open: {desktop.problem}")
    return {"platform": desktop.platform, "checked": desktop.checked, "ok": desktop.ok,
            "missing_libraries": list(desktop.missing)}


def _licences(args) -> int:
    from photo_tagger.services import notices

    if args.full:
        say(notices.third_party_notices().rstrip("\n"))
    else:
        say(notices.summary())
        say("\nThe licence texts and notices in full: photo-tagger doctor --licences --full")
    return 0


def _doctor(app, args) -> int:
    if args.licences:
        return _licences(args)
    if args.full:
        raise PhotoTaggerError("--full goes with --licences")
    report = collect(app)
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
