"""A label made from example photos alone: no prompt, learned from the photos the user picked (issue 19)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from photo_tagger.core import choices, learning
from photo_tagger.core.errors import ConfigError
from photo_tagger.core.jobs import JobControl
from photo_tagger.core.labels import Label
from photo_tagger.core.ports import Catalog, Progress, VectorStore
from photo_tagger.core.retagging import RetagReport

if TYPE_CHECKING:
    from photo_tagger.infra.labels_file import LabelsFile
    from photo_tagger.services.labels import LabelService


@dataclass(frozen=True)
class ExampleLabel:
    name: str
    examples: int  # photos it was added to
    photos: int  # photos that carry it after the retag (the examples and the ones it learned)
    report: RetagReport

    def summary(self) -> str:
        if self.examples < learning.MIN_POSITIVES:
            return (
                f"Label {self.name!r} made from {self.examples} photo(s): add it to at least "
                f"{learning.MIN_POSITIVES} photos to teach it"
            )
        more = self.photos - self.examples
        return (
            f"Label {self.name!r} learned from {self.examples} photos: it tags {more} more "
            f"({self.report.changed} photos changed)"
        )


class ExampleLabelService:
    """Labels made from example photos alone."""

    def __init__(
        self,
        *,
        labels_file: LabelsFile,
        catalog: Catalog,
        vector_store: Callable[[], VectorStore],
        model_key: Callable[[], str],
        label_service: LabelService,
    ) -> None:
        self._labels_file = labels_file
        self._catalog = catalog
        self._vector_store = vector_store
        self._model_key = model_key
        self._label_service = label_service

    def label_from_photos(
        self, name: str, photo_ids: list[str], progress: Progress | None = None, control: JobControl | None = None
    ) -> ExampleLabel:
        """Add label `name` with no prompt, add it to `photo_ids` (your examples), then retag the library so that
        it learns from them. A blank or taken name is refused with nothing changed."""
        name = name.strip()
        if not name:
            raise ConfigError("a label needs a name")
        labels = self._labels_file.load()
        if any(label.name == name for label in labels.labels):
            raise ConfigError(f"a label named {name!r} exists already: add it to these photos instead")
        self._label_service.check_labels_editable()
        self._labels_file.save(labels.with_label(Label(name, examples_only=True)))
        for photo_id in photo_ids:
            choices.edit_tags(self._catalog, self._vector_store(), self._model_key(), photo_id, add=[name])
        report = self._label_service.save_labels_and_retag(self._labels_file.load(), progress=progress, control=control)
        return ExampleLabel(name, len(photo_ids), self._catalog.tag_counts().get(name, 0), report)
