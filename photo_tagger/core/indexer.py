"""Bring the library up to date with the disk: scan, diff, decode ahead, encode in batches, write."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from stat import S_ISREG

import numpy as np

from photo_tagger.core.index_sync import catch_up, index_metadata
from photo_tagger.core.jobs import Cancelled, JobControl
from photo_tagger.core.journal import journaled
from photo_tagger.core.library import containing_root, forget_photos
from photo_tagger.core.photo_analysis import PhotoAnalyzer, analyze_all
from photo_tagger.core.ports import Catalog, ImageEncoder, KeywordReader, Progress, VectorStore
from photo_tagger.core.preprocess import DRAFT_OVERSAMPLE, UnreadableImage, load_pixels_and_info, read_bytes
from photo_tagger.core.raw_files import are_twins, fold_twins, twin_key, with_twins
from photo_tagger.core.scan import (
    ScanProblems,
    diff_against_catalog,
    is_photo_name,
    is_under,
    outermost,
    prefix_relpath,
    walk_photos,
)
from photo_tagger.core.tag_sources import ImportedKeywords, TagInputs
from photo_tagger.core.tagging import PreparedLabels, TagDecision, UserChoices, decide
from photo_tagger.core.types import FileStat, IndexReport, PhotoRecord, SkippedFile

log = logging.getLogger(__name__)


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass(frozen=True)
class _Work:
    """One file to read: new (record None), changed on disk, or unchanged but needing an embedding."""

    stat: FileStat
    record: PhotoRecord | None
    kind: str  # "new" | "updated" | "reencoded" | "retry" (skipped before, unchanged: read again, it is cheap)


@dataclass
class _Outcome:
    work: _Work
    record: PhotoRecord  # what the catalog should hold afterwards
    pixels: np.ndarray | None = None  # set when the record needs its embedding
    moved_from: PhotoRecord | None = None
    keywords: tuple[str, ...] = ()  # read from the photo's metadata, to import as the user's tags
    analysis: dict[str, object] = field(default_factory=dict)  # by analyzer name (core/photo_analysis.py)


class _MissingRecords:
    """Catalog records not found on disk; a new file with the same content claims one (a move)."""

    def __init__(self) -> None:
        self._by_id: dict[str, PhotoRecord] = {}
        self._by_hash: dict[str, list[str]] = {}
        self._by_twin: dict[tuple[str, tuple[str, str]], list[str]] = {}
        self._lock = threading.Lock()

    def add(self, record: PhotoRecord) -> None:
        self._by_id[record.id] = record
        if record.content_hash:
            self._by_hash.setdefault(record.content_hash, []).append(record.id)
        self._by_twin.setdefault((record.root, twin_key(record.relpath)), []).append(record.id)

    def claim_twin(self, stat: FileStat) -> PhotoRecord | None:
        """The record of this file's RAW or JPEG twin, gone from the scan (deleted, or folded into the file now
        beside it): the file takes the photo over, with its tags, albums and choices (core/raw_files.py)."""
        with self._lock:
            for record_id in self._by_twin.get((stat.root, twin_key(stat.relpath)), ()):
                record = self._by_id.get(record_id)
                if record is not None and are_twins(record.relpath, stat.relpath):
                    del self._by_id[record_id]
                    return record
        return None

    def claim(self, digest: str, model: str) -> PhotoRecord | None:
        """Called from decode threads: each missing record is claimed at most once."""
        with self._lock:
            for record_id in self._by_hash.get(digest, ()):
                record = self._by_id.get(record_id)
                if record is not None and record.status == "indexed" and record.embedded_model == model:
                    del self._by_id[record_id]
                    return record
        return None

    def remaining(self) -> list[PhotoRecord]:
        with self._lock:
            return list(self._by_id.values())


class _NullProgress:
    def started(self, total, what):
        pass

    def advanced(self, done, detail=""):
        pass

    def finished(self):
        pass


class Indexer:
    """Owns the writes for one model's vectors; run it on a single writer thread."""

    def __init__(
        self,
        catalog: Catalog,
        store: VectorStore,
        encoder: ImageEncoder,
        model_name: str,
        *,
        batch_size: int = 16,
        decode_workers: int = 2,
        prefetch_batches: int = 2,
        skip_dirs: Sequence[str] = (),
        labels: Callable[[], PreparedLabels | None] | None = None,
        keywords: KeywordReader | None = None,
        draft_oversample: float = DRAFT_OVERSAMPLE,
        analyzers: Sequence[PhotoAnalyzer] = (),
        stages: Sequence[Callable[[Progress, JobControl], object]] = (),
    ):
        self.catalog = catalog
        self.store = store
        self.encoder = encoder
        self.model_name = model_name
        self.batch_size = batch_size
        self.decode_workers = decode_workers
        self.window = batch_size * prefetch_batches
        self.skip_dirs = tuple(skip_dirs)
        self.labels = labels  # new photos are tagged as they are indexed when given
        self.keywords = keywords  # keywords in new and changed photos become the user's tags when given
        self.draft_oversample = draft_oversample  # JPEG DCT-scaled decode size, x the model's input size
        self.analyzers = tuple(analyzers)  # facts computed from each decoded photo, stored with its record
        self.stages = tuple(stages)  # run after each index run on its thread, e.g. reading text (core/photo_text.py)

    # -- crash recovery
    def recover(self, report: IndexReport | None = None) -> int:
        """Bring the index in step with the catalog for the writes a crash interrupted (core/index_sync.py);
        returns how many ids were journaled."""
        ids = self.catalog.pending_journal(self.model_name)
        if not ids:
            return 0
        recorded = set(self.catalog.get(ids))
        done = catch_up(self.catalog, self.store, self.model_name, ids, clear_journal=True)
        # Encodes the interrupted run made and this one repeats: photos it never recorded, vectors it lost.
        again = sum(i not in recorded for i in ids) + len(done.lost)
        if report is not None:
            report.interrupted, report.encoded_again = len(ids), again
        log.info("recovered %d interrupted vector writes (%d to encode again)", len(ids), again)
        return len(ids)

    # -- the job
    def index(
        self,
        roots: Iterable[str],
        *,
        scope: Sequence[str] = (),
        progress: Progress | None = None,
        control: JobControl | None = None,
    ) -> IndexReport:
        """Index everything under `roots`, or only the files and folders in `scope` (paths under a root)."""
        progress = progress or _NullProgress()
        control = control or JobControl()
        report = IndexReport()
        started = time.monotonic()
        self._run_labels: PreparedLabels | None = None  # read at the run's first tagging, then kept (see _labels)
        self.recover(report)
        work, missing = self._plan(list(roots), scope, report)
        progress.started(len(work), "indexing")
        try:
            self._run(work, missing, report, progress, control)
            self._remove(missing, report)
        except Cancelled:
            report.cancelled = True
        finally:
            progress.finished()
        report.seconds = time.monotonic() - started
        for stage in self.stages if not report.cancelled else ():
            stage_started = time.monotonic()
            try:
                stage(progress, control)
            except Cancelled:
                report.cancelled = True
                break
            finally:
                progress.finished()
                report.stage_seconds += time.monotonic() - stage_started
        return report

    def pending(self, roots: Sequence[str], report: IndexReport | None = None) -> dict[str, int]:
        """What an index run would do, from a scan alone (nothing is read or decoded); `report` gets what the
        scan could not read (unlistable folders, FIFOs, broken links)."""
        work, missing = self._plan(list(roots), (), report if report is not None else IndexReport())
        counts = {"new": 0, "updated": 0, "reencoded": 0, "retry": 0}  # retries are not pending work
        for item in work:
            counts[item.kind] += 1
        return {
            "new": counts["new"],
            "changed": counts["updated"],
            "to re-encode": counts["reencoded"],
            "gone": len(missing.remaining()),
            "interrupted": len(self.catalog.pending_journal(self.model_name)),
        }

    def _plan(self, roots: list[str], scope: Sequence[str], report: IndexReport):
        work: list[_Work] = []
        missing = _MissingRecords()
        all_roots = set(self.catalog.roots()) | set(roots)
        for root in roots:
            inside = (
                outermost(with_twins(s for s in scope if containing_root(all_roots, s) == root)) if scope else [root]
            )
            if not inside:
                continue
            # A watched folder inside another belongs to itself only: the outer root skips it.
            skip = self.skip_dirs + tuple(r for r in all_roots if r != root and is_under(r, root))
            problems = ScanProblems()
            on_disk = (
                [stat for start in inside for stat in self._stat_tree(root, start, skip, problems)]
                if os.path.isdir(root)
                else []
            )
            known = self.catalog.records_under(root, [prefix_relpath(s, root) if s != root else "" for s in inside])
            if not on_disk and known and root in inside and not problems.folders:
                # An unplugged drive or an empty mount point looks like "every photo deleted": keep the
                # library as it is (tags, your choices) until the folder is back, or is unwatched.
                report.unavailable.append(root)
                log.warning("watched folder %s is missing or empty; its %d photos are kept", root, len(known))
                continue
            on_disk, _ = fold_twins(on_disk)  # a RAW beside its JPEG is that photo's companion, not a photo
            diff = diff_against_catalog(on_disk, known)
            work += [_Work(stat, None, "new") for stat in diff.new]
            work += [_Work(stat, record, "updated") for record, stat in diff.changed]
            for record in diff.unchanged:
                if record.status == "skipped" or record.embedded_model != self.model_name:
                    # A skipped file is read again: a chmod or a finished copy leaves its mtime as it was.
                    stat = FileStat(record.root, record.relpath, record.size, record.mtime_ns)
                    work.append(_Work(stat, record, "retry" if record.status == "skipped" else "reencoded"))
                else:
                    report.unchanged += 1
            for record in self._unreadable(diff.missing, problems, report):
                missing.add(record)
        return work, missing

    @staticmethod
    def _unreadable(missing: list[PhotoRecord], problems: ScanProblems, report: IndexReport) -> list[PhotoRecord]:
        """The missing records that are really gone. Those under a folder the scan could not list (or at a path
        it could not read) stay as they are, like an unplugged drive's: tags and choices are kept."""
        gone, kept = problems.keep(missing)
        report.skipped += [SkippedFile(path, reason) for path, reason in problems.files.items()]
        for folder, reason in [
            *problems.folders.items(),
            *((link, "broken symbolic link") for link in problems.links if kept[link]),
        ]:
            report.unavailable.append(folder)
            report.skipped.append(SkippedFile(folder, f"{reason}; its {kept[folder]} photos are kept as they were"))
            log.warning("%s: %s; its %d photos are kept as they were", folder, reason, kept[folder])
        return gone

    @staticmethod
    def _stat_tree(root: str, start: str, skip: Sequence[str], problems: ScanProblems) -> Iterable[FileStat]:
        if os.path.isdir(start):
            return walk_photos(root, start, skip_dirs=skip, problems=problems)
        name = os.path.basename(start)
        if not is_photo_name(name) or any(part.startswith(".") for part in os.path.relpath(start, root).split(os.sep)):
            return []
        try:
            st = os.stat(start)
        except OSError:
            if os.path.islink(start):
                problems.files[start] = "broken symbolic link (its target is missing)"
            return []
        if not S_ISREG(st.st_mode):
            problems.files[start] = "not a regular file"
            return []
        return [FileStat(root, os.path.relpath(start, root).replace(os.sep, "/"), st.st_size, st.st_mtime_ns)]

    def _run(
        self, work: list[_Work], missing: _MissingRecords, report: IndexReport, progress: Progress, control: JobControl
    ) -> None:
        batch: list[_Outcome] = []
        done = 0
        with ThreadPoolExecutor(self.decode_workers, thread_name_prefix="decode") as pool:
            pending: deque[Future] = deque()
            items = iter(work)
            try:
                while True:
                    # Keep the decoders a few batches ahead of the encoder; memory stays bounded.
                    while len(pending) < self.window and (item := next(items, None)) is not None:
                        pending.append(pool.submit(self._read, item, missing))
                    if not pending:
                        break
                    outcome = pending.popleft().result()
                    self._count(outcome, report)
                    batch.append(outcome)
                    done += 1
                    # A batch is full when it can fill the encoder, or when many cheap outcomes
                    # (moves, touches, skips) piled up: their progress must be saved and shown too.
                    if sum(o.pixels is not None for o in batch) >= self.batch_size or len(batch) >= self.window * 4:
                        control.checkpoint()
                        self._commit(batch)
                        batch = []
                        progress.advanced(done)
                control.checkpoint()
                self._commit(batch)
                progress.advanced(done)
            finally:
                for future in pending:
                    future.cancel()

    def _read(self, item: _Work, missing: _MissingRecords) -> _Outcome:
        """Runs in the decode pool: read once, hash, then decode only if the content is new."""
        path = item.stat.path
        try:
            data = read_bytes(path)
            digest = content_hash(data)
            if (
                item.record is not None
                and item.kind != "reencoded"
                and digest == item.record.content_hash
                and item.record.embedded_model == self.model_name
            ):
                return _Outcome(item, replace(item.record, size=item.stat.size, mtime_ns=item.stat.mtime_ns))
            old = missing.claim(digest, self.model_name) if item.kind == "new" else None
            if old is not None:
                moved = replace(old, root=item.stat.root, relpath=item.stat.relpath, mtime_ns=item.stat.mtime_ns)
                return _Outcome(item, moved, moved_from=old)
            twin = missing.claim_twin(item.stat) if item.kind == "new" else None
            if twin is not None:  # read as an update of the twin's photo: same id, new file, new pixels
                item = _Work(item.stat, twin, "updated")
            analysis: dict[str, object] = {}
            analyze = (
                (lambda image: analysis.update(analyze_all(self.analyzers, image, digest, path)))
                if self.analyzers
                else None
            )
            pixels, info = load_pixels_and_info(
                path, self.encoder.preprocess_spec, data=data, oversample=self.draft_oversample, on_image=analyze
            )
        except UnreadableImage as exc:
            return _Outcome(item, self._skipped_record(item, exc.reason))
        except Exception as exc:  # a bug on one odd file must not stop the batch; it is logged in full
            log.exception("unexpected error reading %r", path)
            return _Outcome(item, self._skipped_record(item, f"internal error ({type(exc).__name__})"))
        record = PhotoRecord(
            id=item.record.id if item.record else uuid.uuid4().hex,
            root=item.stat.root,
            relpath=item.stat.relpath,
            size=item.stat.size,
            mtime_ns=item.stat.mtime_ns,
            content_hash=digest,
            status="indexed",
            embedded_model=self.model_name,
            width=info.width,
            height=info.height,
            taken_at=info.taken_at.isoformat() if info.taken_at else None,
            camera_make=info.camera_make,
            camera_model=info.camera_model,
            gps_lat=info.gps_lat,
            gps_lon=info.gps_lon,
            indexed_at=time.time(),
        )
        return _Outcome(item, record, pixels, keywords=self._read_keywords(item, data), analysis=analysis)

    def _skipped_record(self, item: _Work, reason: str) -> PhotoRecord:
        return PhotoRecord(
            id=item.record.id if item.record else uuid.uuid4().hex,
            root=item.stat.root,
            relpath=item.stat.relpath,
            size=item.stat.size,
            mtime_ns=item.stat.mtime_ns,
            content_hash="",
            status="skipped",
            skip_reason=reason,
            indexed_at=time.time(),
        )

    @staticmethod
    def _count(outcome: _Outcome, report: IndexReport) -> None:
        if outcome.record.status == "skipped":
            report.skipped.append(SkippedFile(outcome.work.stat.path, outcome.record.skip_reason))
        elif outcome.moved_from is not None:
            report.moved += 1
        elif outcome.pixels is None:
            report.unchanged += 1  # touched on disk, same content
        else:  # a skipped file that reads now is updated, as when it changed
            kind = "updated" if outcome.work.kind == "retry" else outcome.work.kind
            setattr(report, kind, getattr(report, kind) + 1)

    def _commit(self, batch: list[_Outcome]) -> None:
        """Journal, write vectors, then the catalog (clearing the journal) in one transaction."""
        if not batch:
            return
        encode = [o for o in batch if o.pixels is not None]
        vectors = [o for o in batch if o.record.status == "indexed" and (o.pixels is not None or o.moved_from)]
        stale = [
            o.record.id
            for o in batch
            if o.record.status == "skipped" and o.work.record is not None and o.work.record.status == "indexed"
        ]  # a skipped record has no vector to drop
        ids = [o.record.id for o in vectors] + stale
        with journaled(self.catalog, ids, self.model_name) as unit:
            decisions: dict[str, TagDecision] = {}
            imported = self._imported(batch)
            if encode:
                embeddings = self.encoder.encode_images(np.stack([o.pixels for o in encode if o.pixels is not None]))
                prepared = self._labels()
                if prepared is not None:
                    decisions = dict(zip((o.record.id for o in encode), decide(embeddings, prepared)))
                records = [o.record for o in encode]
                self.store.upsert([r.id for r in records], embeddings, self._metadata(records, decisions, imported))
            moved = [o.record for o in batch if o.moved_from is not None]
            if moved:
                self.store.update_metadata([r.id for r in moved], self._metadata(moved))
            if stale:  # a photo that became unreadable must not keep matching searches
                self.store.delete(stale)
            with unit.transaction() as db:
                self.catalog.write(db, upserts=[o.record for o in batch])
                if encode:
                    self.catalog.write_vectors(db, self.model_name, [o.record.id for o in encode], embeddings)
                self.catalog.delete_vectors(db, stale)
                self.catalog.write_decisions(db, decisions)
                for photo_id, choice in imported.items():
                    self.catalog.set_user_tags(db, photo_id, add=choice.added)
                self._store_analysis(db, encode)

    def _store_analysis(self, db, outcomes: list[_Outcome]) -> None:
        for analyzer in self.analyzers:
            results = {
                o.record.id: (o.record, o.analysis[analyzer.name]) for o in outcomes if analyzer.name in o.analysis
            }
            if results:
                analyzer.store(self.catalog, db, results)

    # -- keywords already in photos (embedded XMP/IPTC, sidecars) become the user's tags
    def _read_keywords(self, item: _Work, data: bytes) -> tuple[str, ...]:
        """In the decode pool, for new and changed files only (an unchanged file was imported before)."""
        if self.keywords is None or item.kind == "reencoded":
            return ()
        try:
            return tuple(self.keywords.keywords(data, item.stat.path))
        except OSError as exc:  # an unreadable sidecar; the photo is indexed all the same
            log.warning("keywords of %r not read: %s", item.stat.path, exc)
            return ()
        except Exception:  # the photo is indexed all the same
            log.exception("reading keywords of %r failed", item.stat.path)
            return ()

    def _labels(self) -> PreparedLabels | None:
        """One label set per run, read when it first tags a photo: labels.toml edited by hand mid-run tags the
        photos of later runs (all of them after `retag`), never part of this run's. `labels` and `moderation`
        edits take the library first, so they never land mid-run."""
        if self.labels is None:
            return None
        if getattr(self, "_run_labels", None) is None:
            self._run_labels = self.labels()
        return self._run_labels

    def _imported(self, batch: list[_Outcome]) -> dict[str, UserChoices]:
        """Choices with the imported tags added (the imported-keywords source, core/tag_sources/imported.py: a tag
        the user already added or removed stays as decided); stored as the user's own."""
        found = {
            o.record.id: o.keywords
            for o in batch
            if o.keywords and o.record.status == "indexed" and o.moved_from is None
        }
        if not found:
            return {}
        choices = self.catalog.choices(list(found))
        prepared = self._labels()
        names = prepared.names if prepared is not None else ()
        said = ImportedKeywords().contributions(TagInputs(choices=choices, keywords=found, labels=names), list(found))
        imported = {}
        for photo_id, contribution in said.items():
            choice = choices.get(photo_id, UserChoices())
            imported[photo_id] = replace(choice, added=choice.added | frozenset(contribution.tags))
        return imported

    def _metadata(
        self,
        records: list[PhotoRecord],
        decisions: dict[str, TagDecision] | None = None,
        choices: dict[str, UserChoices] | None = None,
    ) -> list[dict]:
        """Vector metadata as every index write makes it (core/index_sync.py), with these new decisions and
        choices where given."""
        return index_metadata(self.catalog, self.store.shared, records, decisions, choices)

    def _remove(self, missing: _MissingRecords, report: IndexReport) -> None:
        ids = [r.id for r in missing.remaining()]
        forget_photos(self.catalog, self.store, self.model_name, ids)
        report.removed += len(ids)
