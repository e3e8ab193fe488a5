"""Events as the library shows them: automatic names from dates, place and telling labels; user names checked."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from photo_tagger.core.events import UNDATED, EventError
from photo_tagger.core.names import clean_user_name

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
FULL_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def date_range(first: datetime, last: datetime) -> str:
    """ "3 May 2026", "3–7 May 2026", "28 Apr – 2 May 2026", "30 Dec 2025 – 2 Jan 2026"."""
    if first.date() == last.date():
        return f"{first.day} {FULL_MONTHS[first.month - 1]} {first.year}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}\u2013{last.day} {FULL_MONTHS[first.month - 1]} {first.year}"
    if first.year == last.year:
        return f"{first.day} {MONTHS[first.month - 1]} \u2013 {last.day} {MONTHS[last.month - 1]} {last.year}"
    return f"{first.day} {MONTHS[first.month - 1]} {first.year} \u2013 {last.day} {MONTHS[last.month - 1]} {last.year}"


def telling_labels(
    event_tags: Iterable[Iterable[str]],
    library_share: Mapping[str, float],
    size: int,
    limit: int = 3,
    lift: float = 1.5,
) -> list[str]:
    """The labels that say most about an event: on at least a third of its photos (two at least, unless it has
    one) and over-represented against the library (`lift` times their share of it), most telling first."""
    counts = Counter(label for tags in event_tags for label in set(tags))
    scored = []
    for label, count in counts.items():
        share = count / max(size, 1)
        base = library_share.get(label, share)
        if count >= min(2, size) and share >= 1 / 3 and share >= lift * base:
            scored.append((-share / max(base, 1e-9), -count, label))
    return [label for *_, label in sorted(scored)[:limit]]


def event_name(first: datetime, last: datetime, place: str | None, labels: list[str]) -> str:
    """The automatic name: "Lisbon, 3–7 May 2026"; without a place, its most telling label: "Beach, 3 May 2026"."""
    head = place or (labels[0].capitalize() if labels else "")
    dates = date_range(first, last)
    return f"{head}, {dates}" if head else dates


def clean_event_name(name: str) -> str:
    """A user's name for an event (trimmed, one line, at most MAX_NAME characters), or an EventError."""
    return clean_user_name(name, "an event", EventError, "photo-tagger events rename EVENT NAME")


def parse_event_id(text: str) -> int:
    """ "12" or "#12" -> 12, else an EventError."""
    value = str(text).strip().lstrip("#")
    if not value.isdigit():
        raise EventError(f"{text!r} is not an event number (photo-tagger events lists them: #12 ...)")
    return int(value)


@dataclass(frozen=True)
class Event:
    """One event as listed: its id (a number, or UNDATED), the name shown (the user's, else the automatic one)."""

    id: int | str
    name: str
    auto_name: str
    renamed: bool
    start: str | None  # ISO, camera-local
    end: str | None
    place: str | None
    labels: tuple[str, ...]
    count: int
    cover_ids: tuple[str, ...] = ()  # a few of its photos, for thumbnails

    @property
    def dates(self) -> str:
        if self.start is None or self.end is None:
            return "no capture date"
        return date_range(datetime.fromisoformat(self.start), datetime.fromisoformat(self.end))

    @property
    def short_name(self) -> str:
        """For a timeline already grouped by year: the automatic name without its year and with short months
        ("Lisbon, 3–7 May", "Tokyo, 30 Sep – 2 Oct"); the user's name as given."""
        if self.renamed or self.start is None or self.end is None or self.start[:4] != self.end[:4]:
            return self.name
        first, last = datetime.fromisoformat(self.start), datetime.fromisoformat(self.end)
        if first.date() == last.date():
            dates = f"{first.day} {MONTHS[first.month - 1]}"
        elif first.month == last.month:
            dates = f"{first.day}\u2013{last.day} {MONTHS[first.month - 1]}"
        else:
            dates = f"{first.day} {MONTHS[first.month - 1]} \u2013 {last.day} {MONTHS[last.month - 1]}"
        head = self.place or (self.labels[0].capitalize() if self.labels else "")
        return f"{head}, {dates}" if head else dates

    @property
    def undated(self) -> bool:
        return self.id == UNDATED

    @property
    def label(self) -> str:
        """ "#12" (or "undated"), as the CLI takes it."""
        return UNDATED if self.undated else f"#{self.id}"

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "automatic_name": self.auto_name,
            "renamed": self.renamed,
            "start": self.start,
            "end": self.end,
            "dates": self.dates,
            "place": self.place,
            "labels": list(self.labels),
            "count": self.count,
        }
