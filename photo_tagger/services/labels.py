"""Labels: the set in use, dry runs, edits (save and retag, rename with the tags).

The labels themselves are core/labels.py (data, defaults, dict form); labels.toml is infra/labels_file.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from photo_tagger.core import choices
from photo_tagger.core.dry_run import LabelChange, label_change
from photo_tagger.core.errors import ConfigError
from photo_tagger.core.jobs import JobControl
from photo_tagger.core.labels import LabelSet, label_set_from_dict, label_set_to_dict
from photo_tagger.core.ports import Progress, VectorStore
from photo_tagger.core.retagging import RetagReport
from photo_tagger.core.tagging import prepare
from photo_tagger.services.pending_retag import mark_retag_pending
from photo_tagger.services.retagging import retag_library

if TYPE_CHECKING:
    from photo_tagger.infra.catalog import Catalog as SqliteCatalog
    from photo_tagger.infra.labels_file import LabelsFile


def labels_state(app):
    """(the labels in use, why labels.toml is not in use or "")."""
    labels = app.labels()
    return labels, app.labels_file.problem


def check_labels_editable(app, *, broken_file_seen: bool = False) -> None:
    """Before labels.toml changes (every label edit, from the CLI and the window): a full disk (which would stop the
    retag), a store that does not answer, and a labels.toml that does not parse (a hand edit: its text would be
    replaced) refuse the edit with nothing changed. `broken_file_seen`: the user was shown that the file is broken
    and saves over it (the window's Labels dialog says so; the broken file is kept aside, infra/labels_file.py)."""
    labels_editable(
        app.labels_file, app.catalog, app.paths.library_dir, app.vector_store, broken_file_seen=broken_file_seen
    )


def labels_editable(
    labels_file: LabelsFile,
    catalog: SqliteCatalog,
    library_dir: Path,
    open_store: Callable[[], VectorStore],
    *,
    broken_file_seen: bool = False,
) -> None:
    """check_labels_editable with the parts it reads."""
    from photo_tagger.infra.storage_faults import DiskFull, disk_full_message, is_nearly_full

    problem = "" if broken_file_seen else labels_file.on_disk_problem()
    if problem:
        raise ConfigError(f"{problem}: fix it (or move it away) and run the command again; nothing was changed")
    if catalog.read_only:  # a full or read-only disk, said as the catalog found it
        raise DiskFull(catalog.read_only)
    if is_nearly_full(library_dir):  # < 1 MB: the retag would fail part-way
        raise DiskFull(disk_full_message(library_dir))
    open_store()  # the store must answer (a server that is down fails here, before the file changes)


def dry_run(app, labels: LabelSet, name: str) -> LabelChange:
    """The photos that would gain and lose `name` with `labels` in use; nothing is saved."""
    prepared = prepare(labels, app.cached_text_encoder, sigmoid=app.active_model().sigmoid)
    return label_change(app.catalog, app.model_key(), prepared, name)


def renamed(labels: LabelSet, old: str, new: str) -> LabelSet:
    """The set with label `old` named `new`, through the file format's own checks (an empty name...)."""
    label = labels.label(old)
    if new != old and any(existing.name == new for existing in labels.labels):
        raise ConfigError(f"a label named {new!r} exists already")
    edited = replace(labels, labels=tuple(replace(each, name=new) if each is label else each for each in labels.labels))
    return label_set_from_dict(label_set_to_dict(edited))


def save_labels_and_retag(
    app,
    labels,
    progress: Progress | None = None,
    control: JobControl | None = None,
    renames: dict[str, str] | None = None,
    *,
    broken_file_seen: bool = False,
) -> RetagReport:
    """Write labels.toml, carry renamed labels' tags and the user's choices to their new names, then retag the
    whole library from stored embeddings, once check_labels_editable lets the edit through. The retag is marked
    as owed before the file changes (a kill before it ends leaves the mark: services/pending_retag.py finishes it
    at the next start or run)."""
    return _save_and_retag(
        app, labels, renames or {}, "a label change", progress, control, broken_file_seen=broken_file_seen
    ).report


@dataclass(frozen=True)
class LabelRenamed:
    old: str
    new: str
    photos: int  # photos whose tags or choices moved to the new name
    report: RetagReport


def rename_label(
    app, old: str, new: str, progress: Progress | None = None, control: JobControl | None = None
) -> LabelRenamed:
    """`labels rename OLD NEW`: the label gets the new name, its photos keep their tags and the user's choices under
    it, then the library is retagged. The window's renames go with its other edits through save_labels_and_retag:
    the same guard, marker, save, rename and retag (_save_and_retag)."""
    new = new.strip()
    edited = renamed(app.labels(), old, new)
    saved = _save_and_retag(app, edited, {old: new}, f"renaming the label {old!r}", progress, control)
    return LabelRenamed(old, new, saved.photos, saved.report)


@dataclass(frozen=True)
class _Saved:
    photos: int
    report: RetagReport


def _save_and_retag(
    app,
    labels: LabelSet,
    renames: dict[str, str],
    why: str,
    progress: Progress | None,
    control: JobControl | None,
    *,
    broken_file_seen: bool = False,
) -> _Saved:
    check_labels_editable(app, broken_file_seen=broken_file_seen)
    mark_retag_pending(app, why)
    app.save_labels(labels)
    touched = rename_labels(app, renames)
    return _Saved(len(touched), retag_library(app, progress=progress, control=control))


def rename_labels(app, renames: dict[str, str]) -> set[str]:
    """Each label in the catalog under its new name (user_tags and automatic tags); returns the photos touched.
    Names that trade places (a -> b, b -> a) go through temporary names first."""
    renames = {old: new for old, new in renames.items() if old != new}
    steps = list(renames.items())
    if set(renames) & set(renames.values()):
        temporary = {old: f"\0renaming {n}\0{old}" for n, old in enumerate(renames)}
        steps = [(old, temporary[old]) for old in renames] + [(temporary[old], new) for old, new in renames.items()]
    touched: set[str] = set()
    for old, new in steps:
        touched.update(app.catalog.rename_label(old, new))
    store = app.vector_store() if touched else None
    if store is not None and store.shared:
        # A shared store keeps a copy of the tags: it follows here, journaled, since the retag after this sees
        # the moved tags as unchanged and leaves those photos alone.
        for photo_id in sorted(touched):
            choices.edit_tags(app.catalog, store, app.model_key(), photo_id)
    return touched
