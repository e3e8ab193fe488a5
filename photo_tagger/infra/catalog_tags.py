"""The catalog's tags and flags: automatic decisions with their sources, the user's choices, review answers."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from photo_tagger.core.tagging import TagDecision, UserChoices


class TagCatalog:
    """Mixed into infra.catalog.Catalog (which gives `_query`, `_in` and `transaction`)."""

    def write_decisions(self, db: sqlite3.Connection, decisions: dict[str, TagDecision]) -> None:
        """Inside a transaction(): replace the automatic tags and flags of these photos (and their sources)."""
        ids = [(i,) for i in decisions]
        for table in ("auto_tags", "auto_flags", "auto_sources"):
            db.executemany(f"DELETE FROM {table} WHERE photo_id = ?", ids)
        db.executemany("INSERT INTO auto_tags VALUES (?, ?, ?)",
                       [(i, name, score) for i, d in decisions.items() for name, score in d.tags])
        db.executemany("INSERT INTO auto_flags VALUES (?, ?, ?)",
                       [(i, name, score) for i, d in decisions.items() for name, score in d.flags])
        db.executemany("INSERT INTO auto_sources VALUES (?, ?, ?, ?)",
                       [(i, kind, name, source) for i, d in decisions.items()
                        for kind, pairs, sources in (("tag", d.tags, d.tag_sources), ("flag", d.flags, d.flag_sources))
                        for (name, _), source in zip(pairs, sources) if source != "prompt"])

    def decisions(self, ids: Iterable[str]) -> dict[str, TagDecision]:
        ids = list(ids)
        tags: dict[str, list] = {}
        flags: dict[str, list] = {}
        for table, target in (("auto_tags", tags), ("auto_flags", flags)):
            for photo_id, name, score in self.rows_in(f"SELECT photo_id, {'label' if table == 'auto_tags' else 'category'}, "
                                                  f"score FROM {table} WHERE photo_id IN", ids):
                target.setdefault(photo_id, []).append((name, score))
        sources = {(i, kind, name): source for i, kind, name, source in
                   self.rows_in("SELECT photo_id, kind, name, source FROM auto_sources WHERE photo_id IN", ids)}
        out = {}
        for i in set(tags) | set(flags):
            t = tuple(sorted(tags.get(i, ()), key=lambda x: -x[1]))
            f = tuple(sorted(flags.get(i, ()), key=lambda x: -x[1]))
            out[i] = TagDecision(t, f, tuple(sources.get((i, "tag", n), "prompt") for n, _ in t),
                                 tuple(sources.get((i, "flag", n), "prompt") for n, _ in f))
        return out

    def confirm_flag(self, db: sqlite3.Connection, photo_id: str, category: str) -> None:
        """Inside a transaction(): the user says this photo is `category` (review's accept)."""
        db.execute("DELETE FROM user_flag_rejected WHERE photo_id = ? AND category = ?", (photo_id, category))
        db.execute("INSERT OR IGNORE INTO user_flag_confirmed VALUES (?, ?)", (photo_id, category))

    def reject_flag(self, db: sqlite3.Connection, photo_id: str, category: str) -> None:
        """Inside a transaction(): the user says this photo is not `category` (review's reject)."""
        db.execute("DELETE FROM user_flag_confirmed WHERE photo_id = ? AND category = ?", (photo_id, category))
        db.execute("INSERT OR IGNORE INTO user_flag_rejected VALUES (?, ?)", (photo_id, category))

    def rejected_flags(self) -> list[tuple[str, str]]:
        """(photo id, category) the user rejected: negative examples for the categories."""
        return self._query("SELECT photo_id, category FROM user_flag_rejected")

    def confirmed_flags(self) -> list[tuple[str, str]]:
        """(photo id, category) the user confirmed: positive examples for the categories."""
        return self._query("SELECT photo_id, category FROM user_flag_confirmed")

    def all_choices(self) -> tuple[list[tuple[str, str, str]], list[str]]:
        """Every user tag choice (photo id, label, 'add'|'remove') and every "not sensitive" photo: the examples
        learning trains on."""
        return (self._query("SELECT photo_id, label, action FROM user_tags"),
                [r[0] for r in self._query("SELECT photo_id FROM user_not_sensitive")])

    def choices(self, ids: Iterable[str]) -> dict[str, UserChoices]:
        ids = list(ids)
        added: dict[str, set] = {}
        removed: dict[str, set] = {}
        for photo_id, label, action in self.rows_in("SELECT photo_id, label, action FROM user_tags WHERE photo_id IN", ids):
            (added if action == "add" else removed).setdefault(photo_id, set()).add(label)
        not_sensitive = {r[0] for r in self.rows_in("SELECT photo_id FROM user_not_sensitive WHERE photo_id IN", ids)}
        return {i: UserChoices(frozenset(added.get(i, ())), frozenset(removed.get(i, ())), i in not_sensitive)
                for i in set(added) | set(removed) | not_sensitive}

    def set_user_tags(self, db: sqlite3.Connection, photo_id: str, *, add: Iterable[str] = (),
                      remove: Iterable[str] = ()) -> None:
        db.executemany("INSERT OR REPLACE INTO user_tags VALUES (?, ?, 'add')", [(photo_id, tag) for tag in add])
        db.executemany("INSERT OR REPLACE INTO user_tags VALUES (?, ?, 'remove')", [(photo_id, tag) for tag in remove])

    def forget_removed_tags(self, db: sqlite3.Connection, photo_id: str, labels: Iterable[str]) -> None:
        """Undo the user's removal of these tags: the automatic decision counts again."""
        db.executemany("DELETE FROM user_tags WHERE photo_id = ? AND label = ? AND action = 'remove'",
                       [(photo_id, label) for label in labels])

    def set_not_sensitive(self, db: sqlite3.Connection, photo_id: str, value: bool = True) -> None:
        if value:
            db.execute("INSERT OR IGNORE INTO user_not_sensitive VALUES (?)", (photo_id,))
        else:
            db.execute("DELETE FROM user_not_sensitive WHERE photo_id = ?", (photo_id,))

    def carry_choices(self, db: sqlite3.Connection, heir: str, sources: Iterable[str]) -> None:
        """Inside a transaction(): the user's choices about `sources` (copies about to leave the library) become
        `heir`'s where it has none of its own for that tag or category: the heir's own choices win, then the first
        source's."""
        for source in sources:
            db.execute("INSERT OR IGNORE INTO user_tags SELECT ?, label, action FROM user_tags WHERE photo_id = ?",
                       (heir, source))
            # not where the heir has a flag the user confirmed (confirming one lifts "not sensitive")
            db.execute("INSERT OR IGNORE INTO user_not_sensitive SELECT ? FROM user_not_sensitive WHERE photo_id = ? "
                       "AND NOT EXISTS (SELECT 1 FROM user_flag_confirmed WHERE photo_id = ?)", (heir, source, heir))
            for table, other in (("user_flag_confirmed", "user_flag_rejected"),
                                 ("user_flag_rejected", "user_flag_confirmed")):
                db.execute(f"INSERT OR IGNORE INTO {table} SELECT ?, category FROM {table} WHERE photo_id = ? AND "
                           f"category NOT IN (SELECT category FROM {other} WHERE photo_id = ?)", (heir, source, heir))

    def flagged_ids(self) -> list[str]:
        return [r[0] for r in self._query(
            "SELECT DISTINCT photo_id FROM auto_flags WHERE photo_id NOT IN (SELECT photo_id FROM user_not_sensitive)")]

    def tag_counts(self) -> dict[str, int]:
        """Effective tag counts: automatic minus user removals, plus user additions."""
        return dict(self._query("""
            SELECT label, COUNT(*) FROM (
                SELECT photo_id, label FROM auto_tags
                EXCEPT SELECT photo_id, label FROM user_tags WHERE action = 'remove'
                UNION SELECT photo_id, label FROM user_tags WHERE action = 'add'
            ) GROUP BY label ORDER BY COUNT(*) DESC"""))


    def rename_label(self, old: str, new: str) -> list[str]:
        """Carry a renamed label's user choices (user_tags) and automatic tags over to `new`, in one transaction;
        a choice already stored under `new` gives way to the renamed label's. Returns the photos it touched."""
        if old == new:
            return []
        with self.transaction() as db:
            ids = [r[0] for r in db.execute("SELECT photo_id FROM user_tags WHERE label = ? UNION "
                                            "SELECT photo_id FROM auto_tags WHERE label = ?", (old, old))]
            db.execute("INSERT OR REPLACE INTO user_tags SELECT photo_id, ?, action FROM user_tags WHERE label = ?",
                       (new, old))
            db.execute("INSERT OR REPLACE INTO auto_tags SELECT photo_id, ?, score FROM auto_tags WHERE label = ?",
                       (new, old))
            db.execute("DELETE FROM user_tags WHERE label = ?", (old,))
            db.execute("DELETE FROM auto_tags WHERE label = ?", (old,))
            db.execute("UPDATE OR REPLACE auto_sources SET name = ? WHERE kind = 'tag' AND name = ?", (new, old))
        return ids
