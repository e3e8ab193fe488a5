"""`photo-tagger album list|create|add|remove|rename|delete|show`: albums and smart albums (services/albums.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from photo_tagger.cli.output import say, say_json
from photo_tagger.cli.search import filters_from_args, parse_date
from photo_tagger.core.albums import SavedSearch
from photo_tagger.core.errors import PhotoTaggerError

if TYPE_CHECKING:
    from photo_tagger.app import App


def register(subparsers) -> None:
    album = subparsers.add_parser("album", help="albums of photos, and smart albums (saved searches)")
    commands = album.add_subparsers(dest="album_command", metavar="ACTION", required=True)

    p = commands.add_parser("list", help="every album with its count of photos")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_list)

    p = commands.add_parser("show", help="the photos of an album")
    p.add_argument("name")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_show)

    p = commands.add_parser("create", help='a new album; with --search a smart album: album create Beach --search '
                                           '"beach -night"')
    p.add_argument("name")
    p.add_argument("--search", metavar="QUERY", help="make a smart album showing what this search finds (the "
                                                      "search language of `photo-tagger search`), kept up to date")
    p.add_argument("--strong-only", action="store_true", help="a smart album of the search's strong matches only")
    p.add_argument("--folder", type=Path, help="smart album: only photos in this folder or below")
    p.add_argument("--tag", help="smart album: only photos with this tag")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--flagged", dest="flagged", action="store_const", const=True,
                       help="smart album: only flagged photos")
    group.add_argument("--no-flagged", dest="flagged", action="store_const", const=False,
                       help="smart album: no flagged photos")
    p.add_argument("--since", type=parse_date, help="smart album: taken on or after YYYY-MM-DD")
    p.add_argument("--until", type=parse_date, help="smart album: taken on or before YYYY-MM-DD")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_create)

    for action, verb in (("add", "put photos in an album"), ("remove", "take photos out of an album (they stay "
                                                                         "in the library)")):
        p = commands.add_parser(action, help=verb)
        p.add_argument("name")
        p.add_argument("photos", nargs="+", type=Path, metavar="PHOTO")
        p.add_argument("--json", action="store_true")
        p.set_defaults(handler=_add if action == "add" else _remove)

    p = commands.add_parser("rename", help="give an album another name")
    p.add_argument("name")
    p.add_argument("new_name")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_rename)

    p = commands.add_parser("delete", help="delete an album (its photos stay in the library)")
    p.add_argument("name")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_delete)


def _list(app: App, args) -> int:
    albums = app.album_service.list()
    if args.json:
        say_json([a.as_dict() for a in albums])
        return 0
    if not albums:
        say('No albums yet: photo-tagger album create NAME (or --search "QUERY" for a smart album)')
    for album in albums:
        smart = f"  smart: {album.search.describe()}" if album.smart else ""
        say(f"{album.name}  ({album.count} photo{'' if album.count == 1 else 's'}){smart}")
    return 0


def _show(app: App, args) -> int:
    records = app.album_service.records(args.name)
    if args.json:
        say_json([{"path": r.path, "taken_at": r.taken_at} for r in records])
        return 0
    for record in records:
        say(record.path)
    return 0


def _create(app: App, args) -> int:
    smart_only = [flag for flag, value in (("--strong-only", args.strong_only), ("--folder", args.folder),
                                           ("--tag", args.tag), ("--flagged", args.flagged is not None),
                                           ("--since", args.since), ("--until", args.until)) if value]
    if args.search is None and smart_only:
        raise PhotoTaggerError(f"{smart_only[0]} is for smart albums: give --search QUERY too")
    search = SavedSearch(args.search, filters_from_args(args, app.search_service), args.strong_only) if args.search is not None else None
    album = app.album_service.create(args.name, search)
    if search is not None:  # counted now, so a search that finds nothing is seen at once
        album = next(a for a in app.album_service.list() if a.id == album.id)
    return _said(args, album.as_dict(), f"created {'smart album' if album.smart else 'album'} {album.name!r}"
                 + (f" ({album.count} photos: {album.search.describe()})" if album.smart else ""))


def _add(app: App, args) -> int:
    ids = [app.photo_details_service.find_photo(path).id for path in args.photos]
    added = app.album_service.add(args.name, ids)
    return _said(args, {"album": app.album_service.get(args.name).name, "added": added,
                        "already_in": len(set(ids)) - added},
                 f"added {added} photo{'' if added == 1 else 's'} to {args.name!r}"
                 + (f" ({len(set(ids)) - added} already in it)" if len(set(ids)) > added else ""))


def _remove(app: App, args) -> int:
    ids = [app.photo_details_service.find_photo(path).id for path in args.photos]
    removed = app.album_service.remove(args.name, ids)
    return _said(args, {"album": app.album_service.get(args.name).name, "removed": removed,
                        "not_in": len(set(ids)) - removed},
                 f"removed {removed} photo{'' if removed == 1 else 's'} from {args.name!r} (they stay in the "
                 "library)" + (f"; {len(set(ids)) - removed} were not in it" if len(set(ids)) > removed else ""))


def _rename(app: App, args) -> int:
    album = app.album_service.rename(args.name, args.new_name)
    return _said(args, album.as_dict(), f"renamed {args.name!r} to {album.name!r}")


def _delete(app: App, args) -> int:
    album = app.album_service.delete(args.name)
    return _said(args, {"deleted": album.name},
                 f"deleted the album {album.name!r}; its photos stay in the library")


def _said(args, data: dict, line: str) -> int:
    if args.json:
        say_json(data)
    else:
        say(line)
    return 0
