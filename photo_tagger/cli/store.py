"""`photo-tagger store migrate`: move this library's vectors between this machine and a Chroma server."""

from __future__ import annotations

from photo_tagger.cli.output import say
from photo_tagger.cli.progress import TerminalProgress
from photo_tagger.config import Settings
from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.tagging import TagDecision, effective
from photo_tagger.core.vector_metadata import copied_metadata

LOCAL = "local"
# A copy waits this long for an unreachable server before it stops; a re-run carries on where it stopped.
MIGRATE_STORE_PATIENCE_S = 600.0


def register(subparsers) -> None:
    p = subparsers.add_parser("store", help="where the library's vectors live: this machine or a Chroma server")
    sub = p.add_subparsers(dest="store_command", metavar="ACTION", required=True)
    q = sub.add_parser("migrate", help="copy this library's vectors and metadata to a Chroma server (--to URL) "
                       "or back to this machine (--to local), verify the copy, then use it; nothing is re-encoded")
    q.add_argument("--to", required=True, metavar="URL|local",
                   help="http(s)://host:port of a Chroma server, or 'local' for this machine's library folder")
    q.set_defaults(handler=_migrate)


def _describe(url: str) -> str:
    return url or "this machine"


def _migrate(app, args) -> int:
    from photo_tagger.infra.chroma_store import open_chroma
    from photo_tagger.infra.store_copy import copy_library

    target_url = "" if args.to.strip() in ("", LOCAL) else args.to.strip()
    Settings(store_url=target_url)  # a one-line error for anything but an http(s) URL or 'local'
    source_url = app.settings.store_url
    if target_url == source_url:
        say(f"The library already uses {_describe(target_url)}: nothing to copy")
        return 0
    catalog = app.catalog  # this library's photos; also takes the library lock
    ids = [r.id for r in catalog.records() if r.status == "indexed"]
    shared_target = bool(target_url)
    library_id = app.library_id

    def rewrite(photo_ids: list[str], metadatas: list[dict]) -> list[dict]:
        if not shared_target:
            return [copied_metadata(m, library_id, None) for m in metadatas]
        decisions, choices = catalog.decisions(photo_ids), catalog.choices(photo_ids)
        return [copied_metadata(m, library_id, effective(decisions.get(i, TagDecision()), choices.get(i)))
                for i, m in zip(photo_ids, metadatas)]

    # Both stores must answer now (a mistyped URL fails in seconds); once copying, an outage is waited out.
    source = app.chroma_client
    target_retry = app.store_retry.at(_describe(target_url))
    target = open_chroma(target_url or app.paths.library_dir / "chroma", target_retry)
    progress = TerminalProgress(unit="photo")
    try:
        with app.store_retry.patient(MIGRATE_STORE_PATIENCE_S, on_state=progress.status):
            report = copy_library(source, target, ids, library_id, shared_target=shared_target, rewrite=rewrite,
                                  retry=app.store_retry, target_retry=target_retry, progress=progress)
    finally:
        if hasattr(target, "close"):
            target.close()
    if not report.collections and ids:
        raise PhotoTaggerError(f"{_describe(source_url)} holds no photo collections: nothing to copy "
                               "(the settings were not changed)")
    app.update_settings(store_url=target_url)
    counts = ", ".join(f"{name}: {count}" for name, count in report.collections.items())
    say(f"Copied this library to {_describe(target_url)} and verified it ({counts}; {report.written} written, "
        f"{report.removed} stale removed). The library now uses {_describe(target_url)}; "
        f"the copy on {_describe(source_url)} was left as it was.")
    return 0
