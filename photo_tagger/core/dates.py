"""When a photo was taken, as the library shows, sorts and filters it: the capture (EXIF) date, else the file's
modification time, in local time (as digiKam and Immich do). The rule lives here: the catalog's date filter is
built from DateBounds below (tests check that both agree), the window, the CLI and the vector metadata use these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

EXIF = "exif"  # the camera's capture date (EXIF DateTimeOriginal or DateTimeDigitized)
FILE = "file"  # no capture date: the file's modification time stands in


@dataclass(frozen=True)
class PhotoDate:
    at: str  # ISO 8601 to the second, local time (a camera's clock has no zone either)
    source: str  # EXIF | FILE

    def shown(self) -> str:
        """For people: "2021-07-14 18:30:00", or the same with "(date from file, no capture date)"."""
        text = self.at.replace("T", " ")
        return text if self.source == EXIF else f"{text} (date from file, no capture date)"


def photo_date(taken_at: str | None, mtime_ns: int | None) -> PhotoDate | None:
    """The date a photo counts as taken; None only when there is neither (a record without a file time)."""
    if taken_at:
        return PhotoDate(taken_at, EXIF)
    if not mtime_ns or mtime_ns <= 0:
        return None
    try:
        moment = datetime.fromtimestamp(mtime_ns // 1_000_000_000)  # whole seconds: a float would round up
    except (OverflowError, OSError, ValueError):  # a file time far outside what the platform can show
        return None
    return PhotoDate(moment.isoformat(timespec="seconds"), FILE)


def record_date(record) -> PhotoDate | None:
    """photo_date of a PhotoRecord."""
    return photo_date(record.taken_at, record.mtime_ns)


@dataclass(frozen=True)
class DateBounds:
    """A day range (both days included) as the catalog's SQL tests it, one half-open range per source:
    taken_at in [taken_from, taken_before) for photos with a capture date, mtime_ns in [mtime_from,
    mtime_before) for the others (local midnights, as photo_date reads file times). None: open."""

    taken_from: str | None = None
    taken_before: str | None = None
    mtime_from: int | None = None
    mtime_before: int | None = None

    @classmethod
    def days(cls, since: date | None, until: date | None) -> DateBounds | None:
        """None when neither end is given (no filter)."""
        if since is None and until is None:
            return None
        end = until + timedelta(days=1) if until else None
        # A record without a file time (0) has no date at all (photo_date): it never passes.
        return cls(
            since.isoformat() if since else None,
            end.isoformat() if end else None,
            _local_midnight_ns(since) if since else 1,
            _local_midnight_ns(end),
        )

    def admits(self, found: PhotoDate | None) -> bool:
        """The same test in Python, on a photo_date."""
        if found is None:
            return False
        day = found.at
        return (self.taken_from is None or day >= self.taken_from) and (
            self.taken_before is None or day < self.taken_before
        )


def _local_midnight_ns(day: date | None) -> int | None:
    if day is None:
        return None
    return int(datetime(day.year, day.month, day.day).timestamp()) * 1_000_000_000
