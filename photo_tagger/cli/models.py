"""`photo-tagger model ...`: install, import, list, use, verify, remove."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from photo_tagger.cli.output import say, say_json
from photo_tagger.cli.progress import TerminalProgress
from photo_tagger.core.model_comparison import SAMPLE_SIZE
from photo_tagger.services.models import DEFAULT_READY, costs_of, download_size, human_bytes, rate_text, ready_models

if TYPE_CHECKING:
    from photo_tagger.app import App


def register(subparsers) -> None:
    parser = subparsers.add_parser("model", help="install and manage CLIP models")
    sub = parser.add_subparsers(dest="model_command", metavar="ACTION", required=True)

    p = sub.add_parser("install", help="install a ready ONNX CLIP model (no torch) or export a transformers "
                                       "checkpoint (hub id or local folder)")
    p.add_argument("source", nargs="?", default=DEFAULT_READY,
                   help=f"Hugging Face model id or folder: a ready ONNX model in Immich's layout, or a transformers "
                        f"CLIP checkpoint (needs photo-tagger[export]) (default: {DEFAULT_READY})")
    p.add_argument("--int8", action="store_true",
                   help="checkpoints: also make an int8 image encoder (about 2.5x faster on CPU)")
    p.add_argument("--revision", help="hub branch, tag or commit of a ready model (default: main)")
    p.add_argument("--no-agreement-check", action="store_true",
                   help="ready models: install even if a red image is not closer to 'a red photo' than to 'a blue "
                        "photo' (models with random weights, e.g. tests); shapes and norms are still checked")
    p.add_argument("--name", help="install under this name (default: the model's own, from its files: a manifest, a "
                                  "config's _name_or_path, a Hugging Face cache's repo id; else the folder's name, "
                                  "or a parent's where it is generic like 'model' or 'onnx'; a hub id's last part)")
    p.add_argument("--replace", action="store_true", help="replace an installed model of the same name")
    p.set_defaults(handler=_install)

    p = sub.add_parser("import", help="install a model folder exported by `model install` elsewhere (no torch)")
    p.add_argument("folder", type=Path)
    p.add_argument("--name")
    p.add_argument("--replace", action="store_true")
    p.set_defaults(handler=_import)

    p = sub.add_parser("list", help="installed models and what each costs here (size, images/s, languages)")
    p.add_argument("--available", action="store_true",
                   help="the ready models offered to install, with their download sizes (asks the hub)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_list)

    p = sub.add_parser("measure", help="measure again how many images/s a model encodes on this computer")
    p.add_argument("name", nargs="?", help="default: every installed model")
    p.set_defaults(handler=_measure)

    p = sub.add_parser("use", help="make NAME the model the app uses: it first encodes every photo (the model in use "
                                   "keeps serving searches and tags until then)")
    p.add_argument("name")
    p.add_argument("--now", action="store_true",
                   help="switch at once: searches then cover only the photos NAME has encoded, until the next index")
    p.set_defaults(handler=_use)

    p = sub.add_parser("verify", help="re-hash model files against their manifest")
    p.add_argument("name", nargs="?", help="default: every installed model")
    p.set_defaults(handler=_verify)

    p = sub.add_parser("remove", help="delete an installed model (the one in use only with --force)")
    p.add_argument("name")
    p.add_argument("--force", action="store_true",
                   help="remove it even when it is the model in use (its photos then wait to be re-encoded)")
    p.set_defaults(handler=_remove)

    p = sub.add_parser("try", help="encode a sample of your photos with another installed model and compare its tags "
                                   "and your recent searches with the model in use")
    p.add_argument("name", help="an installed model that is not in use")
    p.add_argument("--sample", type=_sample_size, default=SAMPLE_SIZE,
                   help=f"photos to try it on, spread over the library (default: {SAMPLE_SIZE})")
    p.add_argument("--all", action="store_true",
                   help="encode every photo with it, so that `model use NAME` encodes nothing again (the model in "
                        "use keeps serving searches meanwhile)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_try)


def _install(app: App, args) -> int:
    say(f"Installing {args.source}...")
    installed = app.model_service.install(
        args.source, name=args.name, int8=args.int8, replace=args.replace, revision=args.revision,
        agreement_check=not args.no_agreement_check, progress=TerminalProgress(unit="B"),  # a hub download's bytes
        on_step=_say_step)
    _report_installed(installed)
    model = installed.model
    check = model.manifest.get("self_check")
    if check:  # a ready model (infra/ready_models.py)
        say(f"  From {model.manifest['source']} at {model.manifest['revision'][:19]}; self-check: shapes and norms "
            f"{check['shapes_and_norms']}, red/blue agreement {check['agreement']}")
        return 0
    diff = model.manifest["parity_max_abs_diff"]
    say(f"  ONNX vs torch max abs diff: image {diff['image']:.1e}, text {diff['text']:.1e}")
    if "int8_min_cosine" in model.manifest:
        say(f"  int8 image encoder: min cosine to fp32 {model.manifest['int8_min_cosine']:.5f}")
    return 0


def _import(app: App, args) -> int:
    _report_installed(app.model_service.import_folder(args.folder, name=args.name, replace=args.replace,
                                                      on_step=_say_step))
    return 0


def _say_step(step: str) -> None:
    say(f"  {step}")


def _report_installed(installed) -> None:
    model = installed.model
    active = " (in use)" if installed.in_use else f" (use it: photo-tagger model use {model.name})"
    say(f"Installed {model.name}{active}: {model.embedding_dim}-d embeddings, "
        f"{model.preprocess_spec.image_size} px, {'+'.join(model.precisions)}, in {model.path}")
    if installed.new_content:
        say(f"  New content for {model.name}: photos encoded by the replaced one are re-encoded by the next "
            "index, and its cached text vectors are dropped")
    _say_speed(model.name, installed.costs)


def _say_speed(name: str, costs) -> None:
    if costs.images_per_s:
        say(f"  Speed here: {_speed_text(costs)} ({costs.measured_on}); languages: {costs.languages}")
    else:
        say(f"  Its speed could not be measured (see the log); try: photo-tagger model measure {name}")


def _speed_text(costs) -> str:
    return ", ".join(f"{rate_text(rate)} images/s {precision}" for precision, rate in costs.images_per_s.items())


def _list(app: App, args) -> int:
    if args.available:
        return _list_available(app, args)
    rows = app.model_service.installed_models()
    if args.json:
        say_json([
            {"name": r.name, "active": r.active, "ok": r.costs is not None, "problem": r.problem,
             **(_costs_json(r.model, r.costs) if r.model and r.costs else {})}
            for r in rows
        ])
        return 0
    if not rows:
        say("No models installed. Run: photo-tagger model install [HUB_ID | FOLDER]   (photo-tagger model list "
            "--available: the ready ones)")
        return 0
    table = [("  NAME", "FAMILY", "LANGUAGES", "PRECISIONS", "DOWNLOAD", "DISK", "IMAGES/S HERE", "SOURCE")]
    for r in rows:
        name = f"{'*' if r.active else ' '} {r.name}"  # * the one in use
        if r.costs is None:
            table.append((name, f"BROKEN: {r.problem}"))
            continue
        c = r.costs
        speed = ", ".join(f"{rate_text(rate)} {p}" for p, rate in c.images_per_s.items()) or "not measured"
        table.append((name, c.family, c.languages, "+".join(c.precisions), human_bytes(c.download_bytes)
                      if c.download_bytes is not None else "-", human_bytes(c.disk_bytes), speed, r.source))
    _say_table(table)
    if any(r.costs is not None and not r.costs.images_per_s for r in rows):
        say("Measure a model's speed: photo-tagger model measure NAME")
    return 0


def _costs_json(model, costs) -> dict:
    return {"embedding_dim": model.embedding_dim, "precisions": list(costs.precisions),
            "fingerprint": model.fingerprint, "source": model.manifest.get("source"), "path": str(model.path),
            "family": costs.family, "languages": costs.languages, "download_bytes": costs.download_bytes,
            "disk_bytes": costs.disk_bytes, "images_per_s": costs.images_per_s, "measured_on": costs.measured_on}


def _list_available(app: App, args) -> int:
    from concurrent.futures import ThreadPoolExecutor

    offered = ready_models()
    with ThreadPoolExecutor(4) as pool:  # the hub answers each in about a second; all at once
        sizes = list(pool.map(download_size, [m.repo_id for m in offered]))
    installed = {r.source for r in app.model_service.installed_models()}
    if args.json:
        say_json([{"id": m.repo_id, "title": m.title, "good_for": m.good_for, "languages": m.languages,
                   "licence": m.licence, "model_card": m.model_card, "download_bytes": size.size, "download": size.text, "installed": m.repo_id in installed}
                  for m, size in zip(offered, sizes)])
        return 0
    table = [("ID", "DOWNLOAD", "LANGUAGES", "GOOD FOR")]
    table += [(m.repo_id + (" (installed)" if m.repo_id in installed else ""), size.text, m.languages, m.good_for)
              for m, size in zip(offered, sizes)]
    _say_table(table)
    say("\nLicences of the weights:")
    _say_table([(f"  {m.repo_id}", m.licence_line) for m in offered])
    say(f"Install one: photo-tagger model install ID   (no ID: {DEFAULT_READY})")
    return 0


def _say_table(rows: list[tuple]) -> None:
    """Columns padded to their widest cell; the last column (and a row's last cell) runs on."""
    width = max(len(r) for r in rows)
    sizes = [max((len(str(r[i])) for r in rows if i < len(r) - 1), default=0) for i in range(width)]
    for row in rows:
        cells = [str(c).ljust(sizes[i]) if i < len(row) - 1 else str(c) for i, c in enumerate(row)]
        say("  ".join(cells).rstrip())


def _measure(app: App, args) -> int:
    names = [args.name] if args.name else app.model_service.names()
    if not names:
        say("No models installed.")
        return 0
    for name in names:
        model = app.model_service.measure_again(name)
        say(f"{name}:")
        _say_speed(name, costs_of(model))
    return 0


def _use(app: App, args) -> int:
    def encoding(state) -> None:
        say(f"Encoding your {state.photos} photos with {state.model} before switching ({state.encoded} done "
            f"before); {state.current} serves searches and tags until then. Ctrl-C stops; `model use "
            f"{state.model}` goes on later (--now switches at once)")

    done = app.model_service.use_model(args.name, now=args.now, progress=TerminalProgress(unit="photo"),
                                       before_encoding=encoding)
    if done.adopted is not None:
        say(f"Now using {done.model}: {done.adopted} photos keep the vectors its trial made; the next index "
            f"encodes the other {done.to_encode}")
    else:
        say(f"Now using {done.model}")
    return 0


def _verify(app: App, args) -> int:
    names = [args.name] if args.name else app.model_service.names()
    if not names:
        say("No models installed.")
        return 0
    found = app.model_service.verify(names)
    for name, problems in found.items():
        say(f"{name}: {'ok' if not problems else 'FAILED: ' + '; '.join(problems)}")
    return 1 if any(found.values()) else 0


def _remove(app: App, args) -> int:
    say(app.model_service.remove_model(args.name, force=args.force))
    return 0


def _sample_size(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"the sample is a number of photos (1 or more), not {text!r}")
    return value


def _try(app: App, args) -> int:
    def trying(state) -> None:
        if not args.json:
            say(f"Trying {args.name} on {state.photos} of your {state.library} photos (in use: {state.current}); "
                f"{state.encoded} encoded before")

    trial = app.model_service.try_model(args.name, args.sample, every_photo=args.all,
                                        progress=TerminalProgress(unit="photo"), before_encoding=trying)
    state, result, paths = trial.state, trial.comparison, trial.paths
    if args.json:
        say_json({**result.as_json(paths), "encoded": state.encoded, "library": state.library})
        return 0
    _say_comparison(result, paths)
    say(f"Switch: photo-tagger model use {args.name}   (the {state.encoded} photos it encoded are not encoded "
        f"again)")
    say(f"Remove: photo-tagger model remove {args.name}")
    return 0


def _say_comparison(result, paths: dict, shown: int = 20) -> None:
    current, trial = result.current_model, result.trial_model
    say(f"Tags: the same on {result.agreed} of {result.photos} photos")
    if result.labels:
        width = max(len(label.label) for label in result.labels)
        say(f"  {'label':<{width}}  both  only {current}  only {trial}")
        for label in result.labels:
            say(f"  {label.label:<{width}}  {label.both:>4}  {label.only_current:>{len(current) + 5}}  "
                f"{label.only_trial:>{len(trial) + 5}}")
    if result.disagreements:
        say(f"Photos tagged differently: {len(result.disagreements)}"
            + (f" (the first {shown}; --json lists all)" if len(result.disagreements) > shown else ""))
        for d in result.disagreements[:shown]:
            say(f"  {paths.get(d.photo_id, d.photo_id)}")
            say(f"    {current}: {', '.join(d.current) or '(none)'}   {trial}: {', '.join(d.trial) or '(none)'}")
    if not result.searches:
        say("No recent searches to compare (search with `photo-tagger search` or in the window first)")
    for s in result.searches:
        say(f"Search {s.query!r}: {s.shared} of the top {max(len(s.current), len(s.trial))} the same")
        for model, ids in ((current, s.current), (trial, s.trial)):
            say(f"  {model}: {', '.join(Path(paths.get(i, i)).name for i in ids)}")
    for note in result.notes:
        say(f"Note: {note}")
