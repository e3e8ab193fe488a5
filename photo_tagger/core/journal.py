"""The one unit of work for writes to both the vector store and the catalog (crash recovery: Indexer.recover)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from photo_tagger.core.ports import Catalog


class JournaledWrite:
    """Ids are journaled before the store changes; the journal entry is cleared only in the same transaction as
    the catalog's side of the write, so a crash or an error in between leaves it for recovery to re-sync."""

    def __init__(self, catalog: Catalog, ids: Iterable[str], model: str):
        self.catalog, self.ids, self.model = catalog, list(ids), model
        self.closed = False

    @contextmanager
    def transaction(self) -> Iterator:
        """The closing transaction: the catalog's writes made in it commit together with the journal's clear."""
        with self.catalog.transaction() as db:
            yield db
            self.catalog.journal_clear(db, self.ids, self.model)
        self.closed = True


@contextmanager
def journaled(catalog: Catalog, ids: Iterable[str], model: str) -> Iterator[JournaledWrite]:
    """`with journaled(catalog, ids, model) as unit:` make the store calls, then the catalog's writes in
    `with unit.transaction() as db:`. Without that closing transaction the journal is cleared on its own at the
    end of the block. An exception anywhere in the block leaves the journal entry."""
    unit = JournaledWrite(catalog, ids, model)
    catalog.journal_add(unit.ids, model)
    yield unit
    if not unit.closed:
        with unit.transaction():
            pass
