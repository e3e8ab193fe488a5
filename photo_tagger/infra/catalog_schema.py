"""The catalog's schema version (PRAGMA user_version): refuse newer catalogs, migrate older ones forward,
and carry embeddings recorded under a model's bare name over to its content key (name@fingerprint).

Versions: 1 photos, tags, journal; 2 adds the `vectors` table; 3 records each embedding's model by content
(InstalledModel.key, "name@fingerprint") instead of by name. Photos and journal rows recorded by name before
are marked "legacy:NAME" until that model is next used; `vectors` rows of those keep the bare NAME (no "@"), so
the migration never rewrites the (large) vectors table.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from photo_tagger.core.errors import PhotoTaggerError

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3
LEGACY = "legacy:"  # prefix of a model recorded by name only (schema < 3): its content is unknown

# Forward steps, run in one transaction with the (idempotent) schema script and the new user_version.
_STEPS = {
    3: ["UPDATE photos SET embedded_model = 'legacy:' || embedded_model WHERE embedded_model != ''",
        "UPDATE journal SET model = 'legacy:' || model"],
}


class CatalogTooNew(PhotoTaggerError):
    """The catalog was written by a newer Photo Tagger, whose schema this version cannot read safely."""


def schema_version(db: sqlite3.Connection) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite3.Connection, path: Path, schema: str) -> None:
    """Bring the catalog at `path` to SCHEMA_VERSION, or refuse it (one line) when it is newer.

    One transaction: a kill midway leaves the old version, and the next open migrates again."""
    found = schema_version(db)
    if found > SCHEMA_VERSION:
        raise CatalogTooNew(
            f"the catalog {path} was written by a newer Photo Tagger (schema {found}; this one reads up to "
            f"{SCHEMA_VERSION}): upgrade Photo Tagger to open this library, or use another with --home")
    if found == SCHEMA_VERSION:
        db.executescript(schema)  # idempotent: tables added without a version step still appear
        return
    fresh = db.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'photos'").fetchone()[0] == 0
    steps = [] if fresh else [sql for version, sqls in sorted(_STEPS.items()) if version > found for sql in sqls]
    # executescript commits anything pending first, so the transaction is written into the script itself.
    db.executescript("BEGIN IMMEDIATE;\n" + schema + ";\n".join(steps) + (";\n" if steps else "")
                     + f"PRAGMA user_version = {SCHEMA_VERSION};\nCOMMIT;")
    if not fresh:
        log.info("migrated the catalog %s from schema %d to %d", path, found, SCHEMA_VERSION)


def adopt_model(catalog, name: str, key: str, installed_at: float) -> int:
    """Make the catalog agree with the model now installed as `name` (content `key`); returns the photos adopted.

    - Embeddings recorded under the bare name (before schema 3) after these files were installed were made by
      them: they take the key. Older ones came from content replaced since: those photos are re-encoded.
    - Embeddings of other content installed under this name before (name@other) are dropped: their photos are
      stale for the model now installed and get re-encoded.
    Cheap when there is nothing to do (one indexed lookup), so it runs whenever a process first uses a model."""
    legacy, low, high = LEGACY + name, name + "@", name + "A"  # name@... sorts between "name@" and "nameA"
    old = "status = 'indexed' AND (embedded_model = ? OR (embedded_model > ? AND embedded_model < ? AND " \
          "embedded_model != ?))"
    args = (legacy, low, high, key)
    with catalog.transaction() as db:
        if db.execute(f"SELECT 1 FROM photos WHERE {old} LIMIT 1", args).fetchone() is None:
            return 0
        adopted = db.execute("UPDATE photos SET embedded_model = ? WHERE status = 'indexed' AND embedded_model = ? "
                             "AND indexed_at >= ?", (key, legacy, installed_at)).rowcount
        db.execute("UPDATE OR REPLACE vectors SET model = ? WHERE model = ? AND photo_id IN "
                   "(SELECT id FROM photos WHERE status = 'indexed' AND embedded_model = ?)", (key, name, key))
        stale = db.execute(f"UPDATE photos SET embedded_model = '' WHERE {old}", args).rowcount
        db.execute("DELETE FROM vectors WHERE model = ? OR (model > ? AND model < ? AND model != ?)",
                   (name, low, high, key))
        db.execute("UPDATE OR REPLACE journal SET model = ? WHERE model = ?", (key, legacy))
        db.execute("DELETE FROM journal WHERE model > ? AND model < ? AND model != ?", (low, high, key))
    log.info("model %s: %d photos keep their embeddings (%s), %d to re-encode", name, adopted, key, stale)
    return adopted
