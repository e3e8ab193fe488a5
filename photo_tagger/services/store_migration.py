"""Store migrate: copy this library's vectors and metadata to a Chroma server or back to this machine, verify the
copy, then use it; nothing is re-encoded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from photo_tagger.config import Settings
from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.ports import Progress
from photo_tagger.core.tag_sources import photo_tags
from photo_tagger.core.vector_metadata import copied_metadata

if TYPE_CHECKING:  # both bring chromadb: imported where a migration runs, not when the CLI starts
    from photo_tagger.infra.catalog import Catalog
    from photo_tagger.infra.store_copy import CopyReport
    from photo_tagger.infra.store_retry import StoreRetry

LOCAL = "local"
# A copy waits this long for an unreachable server before it stops; a re-run carries on where it stopped.
MIGRATE_STORE_PATIENCE_S = 600.0


def describe_store(url: str) -> str:
    return url or "this machine"


def migration_target(text: str) -> str:
    """The store URL a `--to` names ("" for this machine: 'local'); one line for anything but an http(s) URL."""
    target = "" if text.strip() in ("", LOCAL) else text.strip()
    Settings(store_url=target)  # its own check of the URL
    return target


def migrate_store(
    catalog: Catalog,
    source: Any,
    retry: StoreRetry,
    library_id: str,
    *,
    source_url: str,
    target_url: str,
    local_folder: Path,
    ca_file: str,
    use_store: Callable[[str], None],
    progress: Progress | None = None,
    on_state: Callable[[str | None], None] | None = None,
) -> CopyReport:
    """Copy every indexed photo's records from the `source` client (the store in use, `source_url`) to
    `target_url` ("" : `local_folder`), verified, then `use_store(target_url)` saves it as the store in use. A
    shared target gets each photo's effective tags (its other users search by them); a private one none. Both
    stores must answer at once (a mistyped URL fails in seconds); once copying, an outage is waited out
    (MIGRATE_STORE_PATIENCE_S; `on_state` hears the waiting). The copy left behind is not touched."""
    from photo_tagger.infra.chroma_store import open_chroma
    from photo_tagger.infra.store_copy import copy_library

    ids = [r.id for r in catalog.records() if r.status == "indexed"]
    shared_target = bool(target_url)

    def rewrite(photo_ids: list[str], metadatas: list[dict]) -> list[dict]:
        if not shared_target:
            return [copied_metadata(m, library_id, None) for m in metadatas]
        tags = photo_tags(catalog, photo_ids)
        return [copied_metadata(m, library_id, tags[i]) for i, m in zip(photo_ids, metadatas)]

    target_retry = retry.at(describe_store(target_url))
    target = open_chroma(target_url or local_folder, target_retry, ca_file=ca_file)
    try:
        with retry.patient(MIGRATE_STORE_PATIENCE_S, on_state=on_state):
            report = copy_library(
                source,
                target,
                ids,
                library_id,
                shared_target=shared_target,
                rewrite=rewrite,
                retry=retry,
                target_retry=target_retry,
                progress=progress,
            )
    finally:
        close = getattr(target, "close", None)  # a chromadb client of a version without close() has none to call
        if close is not None:
            close()
    if not report.collections and ids:
        raise PhotoTaggerError(
            f"{describe_store(source_url)} holds no photo collections: nothing to copy (the settings were not changed)"
        )
    use_store(target_url)
    return report


class StoreMigrationService:
    """`store migrate` for one library: its catalog, the store in use, and the setting that names it."""

    def __init__(
        self,
        *,
        catalog: Callable[[], Catalog],
        source: Callable[[], Any],
        retry: Callable[[], StoreRetry],
        library_id: Callable[[], str],
        store_url: Callable[[], str],
        local_folder: Path,
        ca_file: Callable[[], str],
        use_store: Callable[[str], None],
    ) -> None:
        """`source`: the Chroma client of the store in use (opened on the first migration); `store_url`: the
        store in use ("" : this machine's, `local_folder`); `use_store(url)` saves the store to use."""
        self._catalog = catalog
        self._source = source
        self._retry = retry
        self._library_id = library_id
        self._store_url = store_url
        self._local_folder = local_folder
        self._ca_file = ca_file
        self._use_store = use_store

    def store_url(self) -> str:
        """The store in use: a server's URL, "" for this machine."""
        return self._store_url()

    def migrate_store(
        self,
        target_url: str,
        progress: Progress | None = None,
        on_state: Callable[[str | None], None] | None = None,
    ) -> CopyReport:
        """Copy this library's vectors to `target_url` ("" : this machine), verified, then use it (migrate_store)."""
        return migrate_store(
            self._catalog(),
            self._source(),
            self._retry(),
            self._library_id(),
            source_url=self._store_url(),
            target_url=target_url,
            local_folder=self._local_folder,
            ca_file=self._ca_file(),
            use_store=self._use_store,
            progress=progress,
            on_state=on_state,
        )
