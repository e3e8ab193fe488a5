"""`photo-tagger retag`, `tag`, `tags`, `flagged`, `unflag`, `labels`, `moderation`."""

from __future__ import annotations

import argparse
import functools
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from photo_tagger.cli.arguments import name_of
from photo_tagger.cli.output import say, say_json
from photo_tagger.cli.photos import date_fields
from photo_tagger.cli.progress import TerminalProgress
from photo_tagger.core.errors import ConfigError, PhotoTaggerError
from photo_tagger.core.labels import Label, ModerationCategory
from photo_tagger.core.library import resolve_folder
from photo_tagger.core.tagging import TagDecision
from photo_tagger.services import browsing

if TYPE_CHECKING:
    from photo_tagger.app import App
    from photo_tagger.core.labels import LabelSet
    from photo_tagger.services.label_report import LabelReportService
    from photo_tagger.services.labels import LabelService
    from photo_tagger.services.retagging import RetagService


def register(subparsers) -> None:
    p = subparsers.add_parser("retag", help="recompute tags and flags from stored embeddings (no image is read)")
    p.add_argument("folder", nargs="?", type=Path, help="only photos in this folder or below")
    p.set_defaults(handler=_retag)

    p = subparsers.add_parser("tag", help="add or remove tags on a photo (your choice wins over automatic tags)")
    p.add_argument("photo", type=Path)
    p.add_argument("--add", action="append", default=[], metavar="TAG", type=name_of("tag"))
    p.add_argument("--remove", action="append", default=[], metavar="TAG")
    p.set_defaults(handler=_tag)

    p = subparsers.add_parser("tags", help="a photo's tags, scores, your changes, flags and metadata")
    p.add_argument("photo", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_tags)

    p = subparsers.add_parser("flagged", help="photos flagged by moderation")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_flagged)

    p = subparsers.add_parser("unflag", help="mark a flagged photo as not sensitive (stays so across retags)")
    p.add_argument("photo", type=Path)
    p.set_defaults(handler=_unflag)

    p = subparsers.add_parser("labels", help="list or edit your labels; edits retag at once")
    sub = p.add_subparsers(dest="labels_command", metavar="ACTION", required=True)
    sub.add_parser("list", help="labels with thresholds and photo counts").set_defaults(handler=_labels_list)
    q = sub.add_parser("add", help="add a label (or replace one of the same name)")
    q.add_argument("name", type=name_of("label"))
    q.add_argument("--prompt", action="append", default=[], help="a prompt of its own (repeatable)")
    q.add_argument("--no-prompt", action="store_true",
                   help="no prompt at all: the label is learned from the photos you tag with it")
    q.add_argument("--threshold", type=_probability)
    q.add_argument("--dry-run", action="store_true", help="say how many photos would gain and lose it; save nothing")
    q.set_defaults(handler=_labels_add)
    for action in ("remove", "enable", "disable"):
        q = sub.add_parser(action, help=f"{action} a label")
        q.add_argument("name")
        q.set_defaults(handler=_labels_change, action=action)
    q = sub.add_parser("set", help="change a label's threshold")
    q.add_argument("name")
    q.add_argument("--threshold", type=_probability, required=True)
    q.add_argument("--dry-run", action="store_true", help="say how many photos would gain and lose it; save nothing")
    q.set_defaults(handler=_labels_change, action="set")
    q = sub.add_parser("rename", help="rename a label; its tags and your changes to them keep the new name")
    q.add_argument("old")
    q.add_argument("new", type=name_of("label"))
    q.set_defaults(handler=_labels_rename)

    p = subparsers.add_parser("moderation", help="list or edit moderation categories; edits retag at once")
    sub = p.add_subparsers(dest="moderation_command", metavar="ACTION", required=True)
    sub.add_parser("list").set_defaults(handler=_moderation_list)
    q = sub.add_parser("add", help="add (or replace) a category")
    q.add_argument("name", type=name_of("moderation category"))
    q.add_argument("--unsafe", action="append", required=True, help="a prompt for the unsafe side (repeatable)")
    q.add_argument("--safe", action="append", required=True, help="a contrasting safe prompt (repeatable)")
    q.add_argument("--threshold", type=_probability, default=0.8)
    q.set_defaults(handler=_moderation_add)
    q = sub.add_parser("set", help="change a category's threshold or switch it on/off")
    q.add_argument("name")
    q.add_argument("--threshold", type=_probability)
    q.add_argument("--enable", dest="enabled", action="store_const", const=True)
    q.add_argument("--disable", dest="enabled", action="store_const", const=False)
    q.set_defaults(handler=_moderation_set)


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"a threshold is a probability between 0 and 1, not {text!r}")
    return value


def run_retag(retags: RetagService, folder: str | None = None, ids: list[str] | None = None):
    return retags.retag_library(folder, ids, progress=TerminalProgress(unit="photo"))


def _retag(app: App, args) -> int:
    folder = resolve_folder(args.folder) if args.folder else None
    report = run_retag(app.retag_service, folder)
    say(f"Retagged {report.photos} photos ({report.changed} changed) in {report.seconds:.2f} s")
    if report.learned:
        say(f"Learned from your choices: {', '.join(report.learned)}")
    for note in report.notes:
        say(f"note: {note}")
    return 0


def _tag(app: App, args) -> int:
    record = app.photo_details_service.find_photo(args.photo)
    both = set(args.add) & set(args.remove)
    if both:
        raise PhotoTaggerError(f"cannot both add and remove {', '.join(sorted(both))}")
    if not args.add and not args.remove:
        raise PhotoTaggerError("nothing to do: give --add TAG and/or --remove TAG")
    app.tag_edit_service.edit_tags(record.id, add=args.add, remove=args.remove)
    return _tags(app, argparse.Namespace(photo=args.photo, json=False))


def _tags(app: App, args) -> int:
    record = app.photo_details_service.find_photo(args.photo)
    details = app.photo_details_service.photo_details(record.id)
    decision, choices, result = details.decision, details.choices, details.item
    info = {
        "path": record.path, "companions": list(details.companions), "status": record.status, "skip_reason": record.skip_reason or None,
        "tags": list(result.tags), "auto_tags": dict(decision.tags),
        "added_by_you": sorted(choices.added),
        "removed_by_you": sorted(choices.removed),
        "flags": list(result.flags), "flag_scores": dict(decision.flags),
        "not_sensitive": choices.not_sensitive,
        "taken_at": record.taken_at, **date_fields(record), "camera": " ".join(filter(None, (record.camera_make, record.camera_model))) or None,
        "width": record.width, "height": record.height, "size": record.size,
        "gps": [record.gps_lat, record.gps_lon] if record.gps_lat is not None else None,
        "model": record.embedded_model or None,
        # confidence 0..1 and where it came from: "prompt", "learned" (from your choices) or "you"
        "tag_details": [_detail(t, dict(decision.tags), decision.source_of_tag, t in choices.added)
                        for t in result.tags],
        "flag_details": [_detail(f, dict(decision.flags), decision.source_of_flag, False) for f in result.flags],
    }
    if args.json:
        say_json(info)
        return 0
    say(record.path)
    for twin in details.companions:
        say(f"  + {twin} (the same photo: its RAW or JPEG twin)")
    if record.status == "skipped":
        say(f"  skipped: {record.skip_reason}")
    scores = ", ".join(f"{t} ({decision_score(decision, t)})" for t in result.tags)
    say(f"  tags: {scores or '-'}")
    if info["added_by_you"] or info["removed_by_you"]:
        say(f"  your changes: +{', +'.join(info['added_by_you']) or ''} -{', -'.join(info['removed_by_you']) or ''}")
    if result.flags:
        say("  FLAGGED: " + ", ".join(f"{f} ({info['flag_scores'][f]:.2f})" for f in result.flags))
    elif info["not_sensitive"]:
        say("  marked not sensitive by you")
    for key in ("taken_at", "camera", "width", "height", "gps"):
        if info[key] is not None:
            say(f"  {key}: {info[key]}")
    if info["date_source"] == "file":
        say(f"  date: {info['date']} (date from file, no capture date)")
    return 0


def _detail(name: str, scores: dict, source_of, yours: bool) -> dict:
    if yours or name not in scores:
        return {"name": name, "confidence": 1.0, "source": "you"}
    return {"name": name, "confidence": scores[name], "source": source_of(name)}


def decision_score(decision: TagDecision, tag: str) -> str:
    score = dict(decision.tags).get(tag)
    return f"{score:.2f} {decision.source_of_tag(tag)}" if score is not None else "yours"


def _flagged(app: App, args) -> int:
    rows = [{"path": record.path, "flags": flags} for record, flags in browsing.flagged_photos(app.catalog)]
    if args.json:
        say_json(rows)
        return 0
    if not rows:
        say("No flagged photos.")
    for row in rows:
        say(f"{row['path']}  " + ", ".join(f"{k} {v:.2f}" for k, v in row["flags"].items()))
    return 0


def _unflag(app: App, args) -> int:
    record = app.photo_details_service.find_photo(args.photo)
    app.tag_edit_service.mark_not_sensitive(record.id)
    say(f"{record.path}: marked not sensitive")
    return 0


def _holding_library(handler):
    """Label and moderation edits take the library before reading or writing labels.toml: while another process
    (an index, the window) holds it, they fail with nothing changed, rather than change the file that process
    tags with and fail to retag. A full disk, which would stop the retag, refuses them first too."""
    @functools.wraps(handler)
    def edit(app: App, args) -> int:
        app.label_service.check_labels_editable()
        return handler(app, args)
    return edit


def _save_and_retag(labels_service: LabelService, labels: LabelSet) -> None:
    """Save, retag, and say what the edit did to the labels and categories it was not about."""
    report, others = labels_service.save_labels_and_compare(labels, progress=TerminalProgress(unit="photo"))
    say(f"Retagged {report.photos} photos ({report.changed} changed) in {report.seconds:.2f} s")
    if others:
        say(f"Other labels: {others.describe()}")


def _labels_list(app: App, args) -> int:
    labels = app.labels()  # a broken file was reported by the load, once
    say(f"Labels ({app.labels_file.path}); default threshold {labels.threshold}, at most {labels.max_tags} tags:")
    states, _ = app.label_report_service.label_report()
    for label, state in zip(labels.labels, states):
        disabled = "" if label.enabled else "  (disabled)"
        own = f"  prompts: {' | '.join(label.prompts)}" if label.prompts else ""
        say(f"  {label.name:16} {labels.threshold_for(label):.2f}  {state.photos:6} photos  "
            f"[{state.decided_by}]{disabled}{own}")
        if state.guidance:
            say(f"  {'':16} note: {state.guidance}")
    return 0


def _dry_run(labels_service: LabelService, reports: LabelReportService, labels: LabelSet, name: str) -> None:
    change = labels_service.dry_run(labels, name)
    say(f"{name}: {len(change.gain)} photos would gain the tag, {len(change.lose)} would lose it "
        f"({change.total} would have it); nothing saved (dry run)")
    others = reports.side_effects_of(labels)
    if others:
        say(f"Other labels: {others.describe()}")


@_holding_library
def _labels_add(app: App, args) -> int:
    labels = app.labels()
    if args.no_prompt and args.prompt:
        raise ConfigError("a label has either prompts (--prompt) or none (--no-prompt), not both")
    edited = labels.with_label(Label(args.name, tuple(args.prompt), args.threshold, examples_only=args.no_prompt))
    if args.dry_run:
        _dry_run(app.label_service, app.label_report_service, edited, args.name)
        return 0
    _save_and_retag(app.label_service, edited)
    if args.no_prompt and not app.label_service.has_examples(args.name):
        say(f"note: {args.name!r} has no prompt: tag photos with it (tag PHOTO --add {args.name!r}), then retag")
    return 0


@_holding_library
def _labels_change(app: App, args) -> int:
    labels = app.labels()
    if args.action == "remove":
        _save_and_retag(app.label_service, labels.without_label(args.name))
        return 0
    label = labels.label(args.name)
    changed = {"enable": replace(label, enabled=True), "disable": replace(label, enabled=False),
               "set": replace(label, threshold=getattr(args, "threshold", None))}[args.action]
    if getattr(args, "dry_run", False):
        _dry_run(app.label_service, app.label_report_service, labels.with_label(changed), label.name)
        return 0
    _save_and_retag(app.label_service, labels.with_label(changed))
    return 0


@_holding_library
def _labels_rename(app: App, args) -> int:
    done = app.label_service.rename_label(args.old, args.new, progress=TerminalProgress(unit="photo"))
    say(f"Renamed {done.old!r} to {done.new!r} ({done.photos} photos keep their tags and your changes)")
    say(f"Retagged {done.report.photos} photos ({done.report.changed} changed) in {done.report.seconds:.2f} s")
    return 0


def _moderation_list(app: App, args) -> int:
    for category in app.labels().moderation:
        state = "on " if category.enabled else "off"
        say(f"  {category.name:12} {state} threshold {category.threshold:.2f}  unsafe: {' | '.join(category.unsafe)}")
    return 0


@_holding_library
def _moderation_add(app: App, args) -> int:
    category = ModerationCategory(args.name, tuple(args.unsafe), tuple(args.safe), args.threshold)
    _save_and_retag(app.label_service, app.labels().with_category(category))
    return 0


@_holding_library
def _moderation_set(app: App, args) -> int:
    labels = app.labels()
    category = labels.category(args.name)
    if args.threshold is not None:
        category = replace(category, threshold=args.threshold)
    if args.enabled is not None:
        category = replace(category, enabled=args.enabled)
    _save_and_retag(app.label_service, labels.with_category(category))
    return 0
