"""Trying a second model on your own photos before switching: encode a sample of the library with it (on the
writer, in slices that can stop and resume), run your labels and recent searches with both models side by side,
then switch to it (reusing what it encoded) or remove it.

The trial's vectors go into the catalog's `vectors` table under the tried model's key, like any model's; its photos
stay embedded by the model in use (searches and tags do not change) until the switch adopts them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from photo_tagger.core import model_comparison
from photo_tagger.core.errors import ModelError, PhotoTaggerError
from photo_tagger.core.indexer import content_hash
from photo_tagger.core.jobs import JobControl
from photo_tagger.core.model_comparison import ModelComparison, SearchTops, compare_tags, spread_sample, top_ids
from photo_tagger.core.ports import ImageEncoder, Progress, TextEncoder, VectorStore
from photo_tagger.core.preprocess import UnreadableImage, load_pixels_and_info, read_bytes
from photo_tagger.core.tagging import PreparedLabels, TagDecision, decide, prepare
from photo_tagger.core.training import train

if TYPE_CHECKING:
    from photo_tagger.config import Settings
    from photo_tagger.core.labels import LabelSet
    from photo_tagger.core.types import PhotoRecord
    from photo_tagger.infra.catalog import Catalog
    from photo_tagger.infra.model_store import InstalledModel, ModelStore
    from photo_tagger.infra.model_trials import TrialRecords

log = logging.getLogger(__name__)

SEARCHES = 5  # recent searches compared
TOP = 8  # photos shown per search and model
DECIDE_CHUNK = 5000
FAILED = "!"  # a recorded hash with this prefix: that content could not be read (not tried again until it changes)


@dataclass(frozen=True)
class TrialState:
    model: str  # the tried model
    current: str  # the model in use
    photos: int  # photos the trial covers (the sample, or every photo for a switch)
    encoded: int  # of them encoded with the tried model (unreadable ones counted as done)
    library: int  # photos indexed with the model in use

    @property
    def complete(self) -> bool:
        return self.encoded >= self.photos


@dataclass(frozen=True)
class SwitchReport:
    model: str
    adopted: int  # photos whose trial vector the switch kept: never encoded again
    to_encode: int  # photos the next index encodes with the new model


class ModelTrialService:
    """A second model tried on a sample of the library (or all of it), compared with the model in use, switched to
    or removed. The catalog, the model in use and the encoders are reached on use (a command that only asks whether
    a trial exists opens neither the catalog nor a model)."""

    def __init__(
        self,
        *,
        models: ModelStore,
        records: TrialRecords,
        catalog: Callable[[], Catalog],
        active_model: Callable[[], InstalledModel],
        model_key: Callable[[], str],
        settings: Callable[[], Settings],
        update_settings: Callable[..., None],
        override_settings: Callable[..., None],
        encoders_for: Callable[[str], tuple[ImageEncoder, TextEncoder]],
        close_encoders_for: Callable[[str], None],
        text_encoder: Callable[[], TextEncoder],
        vector_store: Callable[[str], VectorStore],
        labels: Callable[[], LabelSet],
        trained_labels: Callable[[], PreparedLabels],
        recent_searches: Callable[[int], list[str]],
    ) -> None:
        self._models = models
        self._records = records
        self._catalog = catalog
        self._active_model = active_model
        self._model_key = model_key
        self._settings = settings
        self._update_settings = update_settings
        self._override_settings = override_settings  # this process only (not saved): App.override
        self._encoders_for = encoders_for  # (image, text) encoders of a model not in use, made once per process
        self._close_encoders_for = close_encoders_for
        self._text_encoder = text_encoder  # the model in use's (cached) text encoder
        self._vector_store = vector_store  # model key -> its vector store
        self._labels = labels
        self._trained_labels = trained_labels  # the labels the model in use tags with (calibrated, taught)
        self._recent_searches = recent_searches  # n -> the library's last n distinct searches, newest first

    def candidates(self) -> list[str]:
        """Installed models that can be tried: every readable one but the model in use."""
        current = self._active_model().name
        return [name for name, model, _ in self._models.list() if model is not None and name != current]

    def has_trial(self, name: str) -> bool:
        """Whether a trial of `name` left vectors that a switch would keep (reads one small file, not the library)."""
        try:
            return self._records.exists(self._models.get(name).key)
        except ModelError:
            return False

    def _tried(self, name: str) -> tuple[InstalledModel, str]:
        """(the tried model, the key of the model in use); one clear line when `name` cannot be tried."""
        current = self._active_model()
        if name == current.name:
            raise ModelError(
                f"{name} is the model in use already: try another installed model (photo-tagger model list)"
            )
        model = self._models.get(name)
        model.check_files()
        return model, self._model_key()

    def _targets(self, current_key: str, size: int | None) -> dict[str, PhotoRecord]:
        """The records of the photos a trial covers, in its order: a spread sample (the user's example photos first)
        or, with no size, all (one read of the catalog's records per call)."""
        catalog = self._catalog()
        records = sorted(
            (r for r in catalog.records() if r.status == "indexed" and r.embedded_model == current_key),
            key=lambda r: (r.root, r.relpath),
        )
        by_id = {r.id: r for r in records}
        if size is None:
            return by_id
        rows, not_sensitive = catalog.all_choices()
        examples = [photo_id for photo_id, _, _ in rows] + list(not_sensitive)
        return {i: by_id[i] for i in spread_sample(list(by_id), size, first=examples[: size // 2])}

    def _done(self, key: str, targets: dict[str, PhotoRecord]) -> tuple[set[str], set[str]]:
        """(ids with a vector of `key` made from their current content, ids that could not be read as they are)."""
        from photo_tagger.infra.model_trials import ids_with_vector

        recorded = self._records.encoded(key)
        failed = {i for i, r in targets.items() if recorded.get(i) == FAILED + r.content_hash}
        fresh = [i for i, r in targets.items() if recorded.get(i) == r.content_hash]
        return ids_with_vector(self._catalog(), key, fresh), failed

    def trial_state(self, name: str, size: int | None = model_comparison.SAMPLE_SIZE) -> TrialState:
        model, current = self._tried(name)
        targets = self._targets(current, size)
        encoded, failed = self._done(model.key, targets)
        return TrialState(
            name,
            self._active_model().name,
            len(targets),
            len(encoded) + len(failed),
            self._catalog().count_embedded(current),
        )

    def encode_trial(
        self,
        name: str,
        size: int | None = model_comparison.SAMPLE_SIZE,
        progress: Progress | None = None,
        control: JobControl | None = None,
        limit: int | None = None,
        seconds: float | None = None,
    ) -> TrialState:
        """Encode the trial's photos that the tried model lacks: at most `limit` in this call, and no new batch once
        `seconds` have passed (the window queues one short slice at a time, so other writes never wait long). Run on
        the writer. Stops at the next batch after a cancel; what was written stays, and the next call goes on from
        there."""
        started = time.monotonic()
        control = control or JobControl()
        model, current = self._tried(name)
        targets = self._targets(current, size)
        encoded, failed = self._done(model.key, targets)
        todo = [i for i in targets if i not in encoded and i not in failed]
        slice_ = todo[:limit] if limit is not None else todo
        image_encoder, _ = self._encoders_for(name)
        catalog = self._catalog()
        finished = len(encoded) + len(failed)
        if progress:
            progress.started(len(slice_), f"encoding {len(slice_)} photos with {name}")
        batch_size = max(1, self._settings().batch_size)
        done = 0
        with ThreadPoolExecutor(2, thread_name_prefix="trial-decode") as pool:
            for start in range(0, len(slice_), batch_size):
                control.checkpoint()
                if seconds is not None and start and time.monotonic() - started > seconds:
                    break
                batch = [targets[i] for i in slice_[start : start + batch_size]]
                read = list(pool.map(lambda r: _read(r, image_encoder.preprocess_spec), batch))
                good = [(r, pixels) for r, pixels, _ in read if pixels is not None]
                hashes = {r.id: FAILED + r.content_hash for r, pixels, reason in read if pixels is None and reason}
                if good:
                    vectors = image_encoder.encode_images(np.stack([pixels for _, pixels in good]))
                    with catalog.transaction() as db:
                        catalog.write_vectors(db, model.key, [r.id for r, _ in good], vectors)
                    hashes.update({r.id: r.content_hash for r, _ in good})
                if hashes:
                    self._records.add(model.key, hashes)
                finished += len(hashes)  # encoded now, or unreadable as they are
                done += len(batch)
                if progress:
                    progress.advanced(done)
        if progress:
            progress.finished()
        return TrialState(name, self._active_model().name, len(targets), finished, catalog.count_embedded(current))

    def compare(
        self, name: str, size: int | None = model_comparison.SAMPLE_SIZE, searches: int = SEARCHES, top: int = TOP
    ) -> ModelComparison:
        """Both models on the encoded part of the trial: each one's tags by the app's own rule (calibrated, taught by
        your choices: core/training.py, core/tagging.py), and the top photos of your recent searches among them.
        Reads vectors and encodes texts only (a query worker may run it)."""
        model, current = self._tried(name)
        targets = self._targets(current, size)
        encoded, _ = self._done(model.key, targets)
        catalog = self._catalog()
        mine = catalog.vectors(current, [i for i in targets if i in encoded])
        ids = [i for i in targets if i in encoded and i in mine]
        if not ids:
            raise PhotoTaggerError(
                f"no photo is encoded with {name} yet: run `photo-tagger model try {name}` "
                "(or wait for the trial in the window)"
            )
        theirs = catalog.vectors(model.key, ids)
        a = np.stack([mine[i] for i in ids]).astype(np.float32)
        b = np.stack([theirs[i] for i in ids]).astype(np.float32)
        _, text_b = self._encoders_for(name)
        trained_b, notes = train(self._prepared(model, text_b), catalog, model.key, ids, (ids, b))
        trained_a = self._trained_labels()
        tags_a = {i: tuple(n for n, _ in d.tags) for i, d in zip(ids, decide(a, trained_a))}
        tags_b = {i: tuple(n for n, _ in d.tags) for i, d in zip(ids, decide(b, trained_b))}
        agreed, labels, differ = compare_tags(ids, tags_a, tags_b, trained_a.names)
        tops = []
        for query in self._recent_searches(searches):
            qa = self._text_encoder().encode_texts([query])[0]
            qb = text_b.encode_texts([query])[0]
            tops.append(SearchTops(query, top_ids(ids, a, qa, top), top_ids(ids, b, qb, top)))
        return ModelComparison(
            self._active_model().name,
            name,
            len(ids),
            agreed,
            labels,
            differ,
            tuple(tops),
            tuple(f"{name}: {note}" for note in notes),
        )

    def photo_records(self, comparison: ModelComparison) -> dict[str, PhotoRecord]:
        """The catalog records of the photos a comparison names (paths and thumbnails for showing it)."""
        ids = {d.photo_id for d in comparison.disagreements}
        ids |= {i for s in comparison.searches for i in (*s.current, *s.trial)}
        return self._catalog().get(ids)

    def flagged_among(self, ids: Iterable[str]) -> set[str]:
        """Those of `ids` flagged now (a view that blurs flagged photos blurs them here too)."""
        return set(self._catalog().filter_ids(self._model_key(), flagged=True, among=list(ids)))

    def _prepared(self, model: InstalledModel, text_encoder: TextEncoder) -> PreparedLabels:
        """The labels prepared for the tried model as App.prepared_labels prepares them for the model in use (a
        SigLIP model's own sigmoid included): one tagging rule for both sides."""
        sigmoid = getattr(model, "sigmoid", None)
        return prepare(self._labels(), text_encoder, **({"sigmoid": sigmoid} if sigmoid is not None else {}))

    def switch_to(
        self, name: str, progress: Progress | None = None, control: JobControl | None = None, *, now: bool = True
    ) -> SwitchReport:
        """Make `name` the model in use, keeping every vector the trial made from content that is still the same:
        those photos count as encoded by it (tagged by it too, and written to its vector store) and only the others
        are encoded by the next index. The model left keeps its vectors as a finished trial of its own, so switching
        back re-encodes nothing. `now=False` (the window): this process goes on with the model it has set up, the
        next start uses the new one. Run on the writer."""
        from dataclasses import replace

        from photo_tagger.core.journal import journaled
        from photo_tagger.core.tag_sources import photo_tags
        from photo_tagger.core.vector_metadata import vector_metadata

        model, current = self._tried(name)
        current_name = self._active_model().name
        catalog = self._catalog()
        trials = self._records
        recorded = trials.encoded(model.key)
        records = catalog.get(list(recorded))
        kept = catalog.vectors(
            model.key, [i for i, r in records.items() if r.status == "indexed" and recorded[i] == r.content_hash]
        )
        adopted = [records[i] for i in kept]
        left = {
            r.id: r.content_hash for r in catalog.records() if r.status == "indexed" and r.embedded_model == current
        }
        if progress:
            progress.started(None, f"switching to {name}")
        if adopted:
            ids = [r.id for r in adopted]
            vectors = np.stack([kept[i] for i in ids]).astype(np.float32)
            _, text = self._encoders_for(name)
            trained, _ = train(self._prepared(model, text), catalog, model.key, ids, (ids, vectors))
            decisions: dict[str, TagDecision] = {}
            for start in range(0, len(ids), DECIDE_CHUNK):  # as a retag does: memory stays bounded at any size
                decisions.update(
                    zip(ids[start : start + DECIDE_CHUNK], decide(vectors[start : start + DECIDE_CHUNK], trained))
                )
            if control:
                control.checkpoint()
            moved = [replace(r, embedded_model=model.key) for r in adopted]
            store = self._vector_store(model.key)  # its own collection: empty so far, in step with the catalog
            tags = photo_tags(catalog, ids, decisions=decisions) if store.shared else {}
            with journaled(catalog, ids, model.key) as unit:  # as an index run writes them
                for start in range(0, len(ids), DECIDE_CHUNK):
                    part = moved[start : start + DECIDE_CHUNK]
                    store.upsert(
                        [r.id for r in part],
                        vectors[start : start + DECIDE_CHUNK],
                        [vector_metadata(r, tags[r.id] if store.shared else None) for r in part],
                    )
                with unit.transaction() as db:
                    catalog.write(db, upserts=moved)
                    catalog.write_decisions(db, decisions)
        trials.add(current, left)  # the model left behind: a finished trial, its vectors ready for a switch back
        indexed = catalog.counts().get("indexed", 0)
        self._update_settings(model=name)
        if not now:  # saved for the next start; this process keeps the model its encoders and caches were made for
            self._override_settings(model=current_name)
        trials.forget(model.key)
        if progress:
            progress.finished()
        log.info("switched from %s to %s: %d photos keep the trial's vectors", current, model.key, len(adopted))
        return SwitchReport(name, len(adopted), indexed - len(adopted))

    def remove_tried(self, name: str) -> None:
        """Remove a tried model and everything its trial left (its vectors in the catalog, its records). Run on the
        writer."""
        if name == self._active_model().name:
            raise ModelError(f"{name} is the model in use: switch to another one first")
        key = self.discard_trial(name)
        self._close_encoders_for(key)  # its sessions: the files go now
        self._models.remove(name)

    def discard_trial(self, name: str) -> str:
        """Drop what a trial of `name` made (its vectors in the catalog, its records), the model staying installed;
        returns its key. Run on the writer."""
        from photo_tagger.infra.model_trials import drop_model_vectors

        key = self._models.get(name).key
        drop_model_vectors(self._catalog(), key)
        self._records.forget(key)
        return key


def _read(record: PhotoRecord, spec) -> tuple:
    """(record, pixels or None, why it is left out: "" when the file changed since it was indexed, which the next
    index run handles; else the reason it cannot be read)."""
    try:
        data = read_bytes(record.path)
        if content_hash(data) != record.content_hash:
            return record, None, ""
        return record, load_pixels_and_info(record.path, spec, data=data)[0], ""
    except UnreadableImage as exc:
        log.info("model trial: %s skipped: %s", record.path, exc.reason)
        return record, None, exc.reason
    except Exception as exc:  # one odd file never stops the trial; logged in full
        log.exception("model trial: unexpected error reading %r", record.path)
        return record, None, f"internal error ({type(exc).__name__})"
