"""Labels: the set in use, dry runs, edits (save and retag, rename with the tags).

The labels themselves are core/labels.py (data, defaults, dict form); labels.toml is infra/labels_file.py.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from photo_tagger.core import choices
from photo_tagger.core.dry_run import LabelChange, SideEffects, label_change
from photo_tagger.core.errors import ConfigError
from photo_tagger.core.jobs import JobControl
from photo_tagger.core.labels import LabelSet, label_set_from_dict, label_set_to_dict
from photo_tagger.core.ports import Catalog, Progress, TextEncoder, VectorStore
from photo_tagger.core.retagging import RetagReport, reference_count, trained_on_library
from photo_tagger.core.tagging import PreparedLabels, prepare
from photo_tagger.services.label_report import LabelReportService, edited_names

if TYPE_CHECKING:
    from photo_tagger.infra.labels_file import LabelsFile
    from photo_tagger.infra.model_store import InstalledModel
    from photo_tagger.services.retagging import RetagService


class LabelModels:
    """The labels in use as the active model sees them, kept between calls: prepared (their text embeddings) once
    per label set, and trained on this library once per state of the user's choices and reference photos."""

    def __init__(
        self,
        *,
        labels: Callable[[], LabelSet],
        text_encoder: Callable[[], TextEncoder],
        active_model: Callable[[], InstalledModel],
        model_key: Callable[[], str],
        catalog: Callable[[], Catalog],
    ) -> None:
        self._labels = labels
        self._text_encoder = text_encoder
        self._active_model = active_model
        self._model_key = model_key
        # The catalog lazily: prepared() needs only the labels and the model, and must not open (and lock) the
        # library on its own.
        self._catalog = catalog
        # One thread at a time per cache (the window's writer and query workers ask at once); re-entrant, as
        # trained() asks prepared().
        self._prepared_lock, self._trained_lock = threading.RLock(), threading.RLock()
        self._prepared: tuple[LabelSet, PreparedLabels] | None = None
        self._trained: tuple[tuple, PreparedLabels] | None = None

    def prepare(self, labels: LabelSet) -> PreparedLabels:
        """`labels` (in use or not: a dry run's edit) prepared for the active model, uncached."""
        model = self._active_model()  # a SigLIP model's own sigmoid also lets labels in (core/tagging.py)
        return prepare(labels, self._text_encoder(), sigmoid=model.sigmoid)

    def prepared(self) -> PreparedLabels:
        """Label embeddings for the current labels file, computed once per distinct label set."""
        with self._prepared_lock:
            labels = self._labels()
            if self._prepared is None or self._prepared[0] != labels:
                self._prepared = (labels, self.prepare(labels))
            return self._prepared[1]

    def trained(self) -> PreparedLabels:
        """prepared() calibrated on this library and taught by the user's choices (core/training.py): what new
        photos are tagged with as they are indexed. Refit when the labels or the choices change, or the library's
        reference photos change (core/retagging.py reference_ids); a retag always refits."""
        with self._trained_lock:
            prepared, model = self.prepared(), self._model_key()
            catalog = self._catalog()
            ids = catalog.filter_ids(model)
            rows, not_sensitive = catalog.all_choices()
            key = (id(prepared), hash(tuple(rows)), len(not_sensitive), reference_count(len(ids)))
            if self._trained is None or self._trained[0] != key:
                self._trained = (key, trained_on_library(prepared, catalog, model)[0])
            return self._trained[1]


def labels_editable(
    labels_file: LabelsFile,
    catalog: Catalog,
    library_dir: Path,
    open_store: Callable[[], VectorStore],
    *,
    broken_file_seen: bool = False,
) -> None:
    """LabelService.check_labels_editable with the parts it reads."""
    from photo_tagger.infra.storage_faults import DiskFull, disk_full_message, is_nearly_full

    problem = "" if broken_file_seen else labels_file.on_disk_problem()
    if problem:
        raise ConfigError(f"{problem}: fix it (or move it away) and run the command again; nothing was changed")
    if catalog.read_only:  # a full or read-only disk, said as the catalog found it
        raise DiskFull(catalog.read_only)
    if is_nearly_full(library_dir):  # < 1 MB: the retag would fail part-way
        raise DiskFull(disk_full_message(library_dir))
    open_store()  # the store must answer (a server that is down fails here, before the file changes)


def renamed(labels: LabelSet, old: str, new: str) -> LabelSet:
    """The set with label `old` named `new`, through the file format's own checks (an empty name...)."""
    label = labels.label(old)
    if new != old and any(existing.name == new for existing in labels.labels):
        raise ConfigError(f"a label named {new!r} exists already")
    edited = replace(labels, labels=tuple(replace(each, name=new) if each is label else each for each in labels.labels))
    return label_set_from_dict(label_set_to_dict(edited))


@dataclass(frozen=True)
class LabelRenamed:
    old: str
    new: str
    photos: int  # photos whose tags or choices moved to the new name
    report: RetagReport


@dataclass(frozen=True)
class _Saved:
    photos: int
    report: RetagReport


class LabelService:
    """The labels in use, their dry runs and their edits: every edit is guarded, marked as owing a retag, saved,
    carried to renamed labels' tags, then followed by a retag of the whole library."""

    def __init__(
        self,
        *,
        labels_file: LabelsFile,
        catalog: Catalog,
        library_dir: Path,
        vector_store: Callable[[], VectorStore],
        model_key: Callable[[], str],
        label_models: LabelModels,
        reports: LabelReportService,
        retag: RetagService,
        mark_retag_pending: Callable[[str], None],
    ) -> None:
        self._labels_file = labels_file
        self._catalog = catalog
        self._library_dir = library_dir
        self._vector_store = vector_store
        self._model_key = model_key
        self._label_models = label_models
        self._reports = reports
        self._retag = retag
        self._mark_retag_pending = mark_retag_pending

    def labels_state(self) -> tuple[LabelSet, str]:
        """(the labels in use, why labels.toml is not in use or "")."""
        labels = self._labels_file.load()
        return labels, self._labels_file.problem

    def check_labels_editable(self, *, broken_file_seen: bool = False) -> None:
        """Before labels.toml changes (every label edit, from the CLI and the window): a full disk (which would stop
        the retag), a store that does not answer, and a labels.toml that does not parse (a hand edit: its text would
        be replaced) refuse the edit with nothing changed. `broken_file_seen`: the user was shown that the file is
        broken and saves over it (the window's Labels dialog says so; the broken file is kept aside,
        infra/labels_file.py)."""
        labels_editable(
            self._labels_file, self._catalog, self._library_dir, self._vector_store, broken_file_seen=broken_file_seen
        )

    def has_examples(self, name: str) -> bool:
        """Whether the user has added label `name` to a photo (a label with no prompt learns from those)."""
        return any(label == name and action == "add" for _, label, action in self._catalog.all_choices()[0])

    def dry_run(self, labels: LabelSet, name: str) -> LabelChange:
        """The photos that would gain and lose `name` with `labels` in use; nothing is saved."""
        prepared = self._label_models.prepare(labels)
        return label_change(self._catalog, self._model_key(), prepared, name)

    def save_labels_and_retag(
        self,
        labels: LabelSet,
        progress: Progress | None = None,
        control: JobControl | None = None,
        renames: dict[str, str] | None = None,
        *,
        broken_file_seen: bool = False,
    ) -> RetagReport:
        """Write labels.toml, carry renamed labels' tags and the user's choices to their new names, then retag the
        whole library from stored embeddings, once check_labels_editable lets the edit through. The retag is marked
        as owed before the file changes (a kill before it ends leaves the mark: services/pending_retag.py finishes
        it at the next start or run)."""
        return self._save_and_retag(
            labels, renames or {}, "a label change", progress, control, broken_file_seen=broken_file_seen
        ).report

    def save_labels_and_compare(
        self,
        labels: LabelSet,
        progress: Progress | None = None,
        control: JobControl | None = None,
        renames: dict[str, str] | None = None,
        *,
        broken_file_seen: bool = False,
    ) -> tuple[RetagReport, SideEffects]:
        """save_labels_and_retag, and what that did to the labels and categories the edit was not about (renamed
        labels are about it under their new names): `labels add` and the window say it after a save."""
        before = self._reports.tags_now()
        edited = edited_names(self._labels_file.load(), labels) | set((renames or {}).values())
        report = self.save_labels_and_retag(labels, progress, control, renames, broken_file_seen=broken_file_seen)
        return report, self._reports.changes_since(before, edited)

    def rename_label(
        self, old: str, new: str, progress: Progress | None = None, control: JobControl | None = None
    ) -> LabelRenamed:
        """`labels rename OLD NEW`: the label gets the new name, its photos keep their tags and the user's choices
        under it, then the library is retagged. The window's renames go with its other edits through
        save_labels_and_retag: the same guard, marker, save, rename and retag (_save_and_retag)."""
        new = new.strip()
        edited = renamed(self._labels_file.load(), old, new)
        saved = self._save_and_retag(edited, {old: new}, f"renaming the label {old!r}", progress, control)
        return LabelRenamed(old, new, saved.photos, saved.report)

    def _save_and_retag(
        self,
        labels: LabelSet,
        renames: dict[str, str],
        why: str,
        progress: Progress | None,
        control: JobControl | None,
        *,
        broken_file_seen: bool = False,
    ) -> _Saved:
        self.check_labels_editable(broken_file_seen=broken_file_seen)
        self._mark_retag_pending(why)
        self._labels_file.save(labels)
        touched = self.rename_labels(renames)
        return _Saved(len(touched), self._retag.retag_library(progress=progress, control=control))

    def rename_labels(self, renames: dict[str, str]) -> set[str]:
        """Each label in the catalog under its new name (user_tags and automatic tags); returns the photos touched.
        Names that trade places (a -> b, b -> a) go through temporary names first."""
        renames = {old: new for old, new in renames.items() if old != new}
        steps = list(renames.items())
        if set(renames) & set(renames.values()):
            temporary = {old: f"\0renaming {n}\0{old}" for n, old in enumerate(renames)}
            steps = [(old, temporary[old]) for old in renames] + [(temporary[old], new) for old, new in renames.items()]
        touched: set[str] = set()
        for old, new in steps:
            touched.update(self._catalog.rename_label(old, new))
        store = self._vector_store() if touched else None
        if store is not None and store.shared:
            # A shared store keeps a copy of the tags: it follows here, journaled, since the retag after this sees
            # the moved tags as unchanged and leaves those photos alone.
            for photo_id in sorted(touched):
                choices.edit_tags(self._catalog, store, self._model_key(), photo_id)
        return touched
