"""The labels TOML file: written with the defaults on first use; a broken edit keeps the last good labels, and is
itself kept aside (never silently overwritten) when the app saves labels over it."""

from __future__ import annotations

import logging
import os
import shutil
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import tomli_w

from photo_tagger.core.errors import ConfigError
from photo_tagger.core.labels import LabelSet, default_label_set, label_set_from_dict, label_set_to_dict

log = logging.getLogger(__name__)
# Written by save() when every label and category was removed on purpose (CLI, editor). Without it a file with
# none is taken for a truncated or botched edit: a retag would wipe every tag and flag of the library.
EMPTY_ON_PURPOSE = "empty_on_purpose"


class LabelsFile:
    """labels.toml under the config dir, and labels.last-good.toml beside it."""

    def __init__(self, path: Path):
        self.path = path
        self.last_good = path.with_name("labels.last-good.toml")
        self.problem = ""  # why the file on disk is not in use, when it is broken
        self.kept_aside: Path | None = None  # where the last save kept a broken file it replaced
        self._warned_ignored: tuple = ()
        self._cached: tuple[tuple[int, int], LabelSet] | None = None  # (mtime_ns, size) -> labels

    def load(self) -> LabelSet:
        """The labels in use; parsed again only when the file changed (indexing asks at every batch)."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            labels = default_label_set()
            self.save(labels)
            return labels
        stamp = (st.st_mtime_ns, st.st_size)
        if self._cached is not None and self._cached[0] == stamp:
            return self._cached[1]
        try:
            labels = self._parse(self.path)
        except ConfigError as exc:
            if str(exc) != self.problem:  # once per broken edit, not at every indexing batch
                log.warning("%s; using the last good labels", exc)
            self.problem = str(exc)
            if self.last_good.exists():
                return self._parse(self.last_good)
            raise
        self.problem = ""
        self._warn_ignored(labels)
        self._keep_as_last_good(labels)
        self._cached = (stamp, labels)
        return labels

    def _warn_ignored(self, labels: LabelSet) -> None:
        """Entries without a usable name (written before names were checked) are left out, said once."""
        why = tuple(reason for _, reason in labels.ignored)
        if why and why != self._warned_ignored:
            log.warning("%s: ignoring %s; `photo-tagger labels remove \"\"` (or the name) takes it out of the file",
                        self.path, "; ".join(why))
        self._warned_ignored = why

    def _keep_as_last_good(self, labels: LabelSet) -> None:
        if labels.labels or labels.moderation:  # an empty set is never the fallback for a broken file
            try:
                shutil.copyfile(self.path, self.last_good)
            except OSError as exc:  # a read-only (or full) disk: the labels are read all the same
                log.info("could not keep %s as the last good labels: %s", self.path, exc, extra={"console": False})

    def save(self, labels: LabelSet) -> None:
        """Write `labels` atomically. A file on disk that does not parse (a hand edit with a typo) is kept aside
        first, as labels.toml.broken-STAMP, and said in the log: what the user typed is never lost."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.kept_aside = self._set_aside_if_broken()
        data = label_set_to_dict(labels)
        if not labels.labels and not labels.moderation:
            data["settings"][EMPTY_ON_PURPOSE] = True
        text = "# Photo Tagger labels and moderation categories. Edit freely; see README (Labels).\n" + \
            tomli_w.dumps(data)
        tmp = self.path.with_suffix(".toml.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, self.path)
        self._keep_as_last_good(labels)
        self.problem = ""
        st = self.path.stat()
        self._cached = ((st.st_mtime_ns, st.st_size), labels)

    def on_disk_problem(self) -> str:
        """Why labels.toml as it is on disk cannot be used ("" when it can, or is not there)."""
        if not self.path.exists():
            return ""
        try:
            self._parse(self.path)
        except ConfigError as exc:
            return str(exc)
        return ""

    def _set_aside_if_broken(self) -> Path | None:
        problem = self.on_disk_problem()
        if not problem:
            return None
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
        aside = self.path.with_name(f"{self.path.name}.broken-{stamp}")
        os.replace(self.path, aside)
        log.warning("%s could not be read (%s): kept it as %s and wrote the labels in use", self.path, problem,
                    aside)
        return aside

    @staticmethod
    def _parse(path: Path) -> LabelSet:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from None
        try:
            labels = label_set_from_dict(data, skip_bad_names=True)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None
        if not labels.labels and not labels.moderation and data.get("settings", {}).get(EMPTY_ON_PURPOSE) is not True:
            raise ConfigError(f"{path}: no labels and no moderation categories (empty or cut off?); to remove them "
                              "all on purpose use `photo-tagger labels remove` or the labels editor")
        return labels
