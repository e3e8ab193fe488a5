"""The catalog's events: which event each dated photo is in (so ids, and the names users gave, survive restarts),
user names, and the spans of time users merged."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

# An event is its id; `name` is the user's (NULL: named automatically). event_photos is the grouping as last
# computed (core/events.py recomputes it; the rows let ids survive a restart). A photo deleted from the catalog
# leaves event_photos in the same transaction (catalog.py's _PHOTO_TABLES). event_joins: merged spans of camera time.
EVENT_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE IF NOT EXISTS event_photos (photo_id TEXT PRIMARY KEY, event_id INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS event_photos_event ON event_photos (event_id);
CREATE TABLE IF NOT EXISTS event_joins (start REAL NOT NULL, end REAL NOT NULL, event_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS event_counter (one INTEGER PRIMARY KEY CHECK (one = 1), next_id INTEGER NOT NULL);
-- Which photos changed since the events last looked, written by SQLite itself whoever changes a photo (the indexer,
-- a watcher, a removed folder, the trash), so an update reads only those photos, not the whole library. TEMP
-- triggers: they live on the catalog's own connection only, so copying rows elsewhere (backups, salvage) adds none.
-- A change made by another program goes unrecorded; the events of a process that starts read everything anyway.
CREATE TABLE IF NOT EXISTS event_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, photo_id TEXT NOT NULL);
CREATE TEMP TRIGGER IF NOT EXISTS photos_event_insert AFTER INSERT ON main.photos
    BEGIN INSERT INTO event_changes (photo_id) VALUES (NEW.id); END;
CREATE TEMP TRIGGER IF NOT EXISTS photos_event_update AFTER UPDATE OF taken_at, gps_lat, gps_lon, status
    ON main.photos BEGIN INSERT INTO event_changes (photo_id) VALUES (NEW.id); END;
CREATE TEMP TRIGGER IF NOT EXISTS photos_event_delete AFTER DELETE ON main.photos
    BEGIN INSERT INTO event_changes (photo_id) VALUES (OLD.id); END;
"""


class EventCatalog:
    """Mixed into infra.catalog.Catalog."""

    def event_facts(self) -> list[tuple[str, str | None, float | None, float | None]]:
        """(id, taken_at, gps_lat, gps_lon) of every indexed photo: what events are made from."""
        return self._query("SELECT id, taken_at, gps_lat, gps_lon FROM photos WHERE status = 'indexed'")

    def event_change_mark(self) -> int:
        """The last change recorded: a full read of event_facts() after this sees every change up to it."""
        return int(self._query("SELECT COALESCE(MAX(seq), 0) FROM event_changes")[0][0])

    def event_changes_since(self, seq: int) -> tuple[int, set[str], list[tuple]]:
        """(the last change, the photos changed after `seq`, event_facts() of those still indexed)."""
        rows = self._query("SELECT seq, photo_id FROM event_changes WHERE seq > ?", (seq,))
        if not rows:
            return seq, set(), []
        changed = {photo for _, photo in rows}
        facts = self.rows_in("SELECT id, taken_at, gps_lat, gps_lon FROM photos WHERE status = 'indexed' AND id IN",
                         changed)
        return max(s for s, _ in rows), changed, facts

    def forget_event_changes(self, db: sqlite3.Connection, upto: int) -> None:
        db.execute("DELETE FROM event_changes WHERE seq <= ?", (upto,))

    def event_state(self) -> tuple[dict[str, int], dict[int, str | None], list[tuple[float, float]], int]:
        """(photo id -> event id, event id -> user name or None, merged spans, the next free event id)."""
        assigned = dict(self._query("SELECT photo_id, event_id FROM event_photos"))
        names = dict(self._query("SELECT id, name FROM events"))
        joins = [(s, e) for s, e in self._query("SELECT start, end FROM event_joins ORDER BY rowid")]
        row = self._query("SELECT next_id FROM event_counter")
        return assigned, names, joins, int(row[0][0]) if row else 1

    def save_events(self, db: sqlite3.Connection, removed: Iterable[int], changed: dict[int, list[str]],
                    next_id: int) -> None:
        """Inside a transaction(): events gone (with their names and spans), events made or changed (their photos)."""
        removed = [(i,) for i in removed]
        db.executemany("DELETE FROM events WHERE id = ?", removed)
        db.executemany("DELETE FROM event_joins WHERE event_id = ?", removed)
        db.executemany("DELETE FROM event_photos WHERE event_id = ?", removed + [(i,) for i in changed])
        db.executemany("INSERT OR IGNORE INTO events (id, name) VALUES (?, NULL)", [(i,) for i in changed])
        db.executemany("INSERT OR REPLACE INTO event_photos VALUES (?, ?)",
                       [(photo, event_id) for event_id, photos in changed.items() for photo in photos])
        db.execute("INSERT OR REPLACE INTO event_counter VALUES (1, ?)", (next_id,))

    def name_event(self, db: sqlite3.Connection, event_id: int, name: str | None) -> None:
        db.execute("INSERT OR REPLACE INTO events (id, name) VALUES (?, ?)", (event_id, name))

    def join_events(self, db: sqlite3.Connection, start: float, end: float, event_id: int) -> None:
        db.execute("INSERT INTO event_joins VALUES (?, ?, ?)", (start, end, event_id))

    def effective_tags(self) -> list[tuple[str, str]]:
        """(photo id, label) of every effective tag (automatic less the user's removals, plus the user's additions)."""
        return self._query("SELECT photo_id, label FROM auto_tags EXCEPT SELECT photo_id, label FROM user_tags "
                           "WHERE action = 'remove' UNION SELECT photo_id, label FROM user_tags WHERE action = 'add'")
