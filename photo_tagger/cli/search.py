"""`photo-tagger search` and `similar`: natural-language and photo-by-photo queries."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from photo_tagger.cli.arguments import bounded_int
from photo_tagger.cli.output import say, say_json
from photo_tagger.cli.photos import hit_dict
from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.filters import Filters
from photo_tagger.core.library import resolve_folder
from photo_tagger.core.query import HELP as QUERY_HELP

if TYPE_CHECKING:
    from photo_tagger.app import App
    from photo_tagger.services.search import SearchService

MAX_RESULTS = 100_000  # a bound far above any page of results; a huge number overflowed SQLite's integers

SEARCH_EPILOG = f"""query language:
{QUERY_HELP}

Each hit says why it matched: meaning (CLIP), text (read in the photo), tag, name (the file's). Photos whose
text holds every word of the query come first, then strong hits, then the closest weak ones."""


def register(subparsers) -> None:
    p = subparsers.add_parser("search", help='find photos by describing them: search "kids on a beach at sunset"',
                              epilog=SEARCH_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("query", help='words, -negative terms, 2:weighted terms, "quoted text the photo must show"')
    p.add_argument("--min-score", type=float, help="only hits whose raw cosine score reaches this")
    _filter_arguments(p)
    p.set_defaults(handler=_search)

    p = subparsers.add_parser("similar", help="photos that look like PHOTO (in the library or not)",
                              epilog=f"--plus takes the search language:\n{QUERY_HELP}",
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("photo", type=Path)
    p.add_argument("--plus", default="", metavar="WORDS",
                   help='like PHOTO, but as these words say: --plus "at night" (the photo and the words count alike)')
    _filter_arguments(p)
    p.set_defaults(handler=_similar)


def _filter_arguments(p) -> None:
    p.add_argument("--limit", type=bounded_int(1, MAX_RESULTS, "--limit"), default=20,
                   help=f"how many results, 1 to {MAX_RESULTS} (default 20)")
    p.add_argument("--folder", type=Path, help="only photos in this folder or below")
    p.add_argument("--tag", help="only photos with this tag")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--flagged", dest="flagged", action="store_const", const=True, help="only flagged photos")
    group.add_argument("--no-flagged", dest="flagged", action="store_const", const=False, help="no flagged photos")
    p.add_argument("--since", type=parse_date, help="taken on or after YYYY-MM-DD")
    p.add_argument("--until", type=parse_date, help="taken on or before YYYY-MM-DD")
    p.add_argument("--json", action="store_true")


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def filters_from_args(args, search: SearchService) -> Filters:
    if args.tag is not None and (problem := search.tag_problem(args.tag)):
        raise PhotoTaggerError(problem)
    if args.since and args.until and args.since > args.until:
        raise PhotoTaggerError(f"--since {args.since} is after --until {args.until}")
    folder = None
    if args.folder:
        # A shared library also holds other machines' photos: their folders need not exist here.
        folder = str(args.folder.expanduser().absolute()) if search.is_shared() and not args.folder.exists() \
            else resolve_folder(args.folder)
    return Filters(folder=folder, tag=args.tag, flagged=args.flagged, since=args.since, until=args.until)


def _hit_dict(hit) -> dict:
    out = {**hit_dict(hit), "reasons": list(hit.reasons)}
    if hit.grade:
        out["match"] = hit.grade
    if hit.snippet:
        out["text"] = hit.snippet
    return out


def _print(result, args) -> int:
    if args.json:
        say_json([_hit_dict(h) for h in result.hits])
        return 0
    _say_hits(result.hits)
    _say_left_out(result)
    return 0


def _say_hits(hits) -> None:
    if not hits:
        say("No photos found.")
    for hit in hits:
        extra = f"  [{', '.join(hit.tags)}]" if hit.tags else ""
        flag = f"  FLAGGED: {', '.join(hit.flags)}" if hit.flags else ""
        why = f"  ({', '.join(hit.reasons)}" + (f": \u201c{hit.snippet}\u201d)" if hit.snippet else ")")
        say(f"{hit.score:6.3f}  {hit.record.path}{extra}{flag}{why}")


def _say_left_out(result) -> None:
    if result.left_out:
        terms = [f"-{t.text}" for t in result.query.negatives] + [f'-"{p}"' for p in result.query.excluded_phrases]
        say(f"({result.left_out} photo{'s' if result.left_out != 1 else ''} left out by {' '.join(terms)})")


def _search(app: App, args) -> int:
    result = app.search_service.search(args.query, filters_from_args(args, app.search_service), args.limit)
    hits = result.hits
    if args.min_score is not None:  # the raw cosine, for those who want a fixed cut
        hits = [h for h in hits if h.score >= args.min_score]
    if args.json:
        say_json([_hit_dict(h) for h in hits])
        return 0
    strong = [h for h in hits if h.grade == "strong"]
    weak = [h for h in hits if h.grade != "strong"]
    if hits and not strong:
        say("no photo matches well; closest:")
    _say_hits(strong) if strong or not hits else None
    if strong and weak:
        say("-- weaker matches --")
    if weak:
        _say_hits(weak)
    _say_left_out(result)
    return 0


def _similar(app: App, args) -> int:
    filters = filters_from_args(args, app.search_service)
    try:
        record = app.photo_details_service.find_photo(args.photo)
    except PhotoTaggerError:
        if not args.photo.is_file():
            raise
        record = None  # outside the library: encoded on the fly, nothing is stored
    result = app.search_service.similar(record.id if record else None, args.plus, filters, args.limit,
                                        path=args.photo, shown_as=str(args.photo))
    return _print(result, args)
