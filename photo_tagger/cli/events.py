"""`photo-tagger events [show|rename|merge]`: photos grouped by time and place (services/events.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from photo_tagger.cli.output import say, say_json

if TYPE_CHECKING:
    from photo_tagger.app import App


def register(subparsers) -> None:
    events = subparsers.add_parser("events", help="photos grouped into events by time and place: list, show, "
                                                  "rename, merge")
    events.add_argument("--json", action="store_true")
    events.set_defaults(handler=_list)
    commands = events.add_subparsers(dest="events_command", metavar="ACTION")

    p = commands.add_parser("show", help="the photos of an event (EVENT: its number, as in #12, or 'undated')")
    p.add_argument("event", metavar="EVENT")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_show)

    p = commands.add_parser("rename", help="give an event your own name")
    p.add_argument("event", metavar="EVENT")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_rename)

    p = commands.add_parser("merge", help="make one event of two (and of any between them); it keeps the first's "
                                          "number and name")
    p.add_argument("first", metavar="EVENT")
    p.add_argument("second", metavar="OTHER")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_merge)


def _list(app: App, args) -> int:
    events = app.event_service.list()
    if args.json:
        say_json([e.as_dict() for e in events])
        return 0
    if not events:
        say("No events yet: events are made from the photos' capture dates as folders are indexed")
    for event in events:
        labels = f"  [{', '.join(event.labels)}]" if event.labels else ""
        where = f"  {event.place}" if event.place and event.place not in event.name else ""
        renamed = f"  (automatic: {event.auto_name})" if event.renamed else ""
        say(f"{event.label:>7}  {event.name}  ({_photos(event.count)}){where}{labels}{renamed}")
    return 0


def _show(app: App, args) -> int:
    records = app.event_service.records(args.event)
    if args.json:
        say_json([{"path": r.path, "taken_at": r.taken_at, "gps_lat": r.gps_lat, "gps_lon": r.gps_lon}
                  for r in records])
        return 0
    for record in records:
        say(record.path)
    return 0


def _rename(app: App, args) -> int:
    event = app.event_service.rename(args.event, args.name)
    if args.json:
        say_json(event.as_dict())
    else:
        say(f"renamed event {event.label} to {event.name!r}")
    return 0


def _merge(app: App, args) -> int:
    event, swallowed = app.event_service.merge(args.first, args.second)
    if args.json:
        say_json({"event": event.as_dict(), "merged": [e.as_dict() for e in swallowed]})
        return 0
    others = ", ".join(f"{e.label} {e.name!r}" for e in swallowed)
    say(f"merged {others} into {event.label} {event.name!r} ({_photos(event.count)})")
    return 0


def _photos(count: int) -> str:
    return f"{count} photo{'' if count == 1 else 's'}"
