"""The labels TOML file: written with the defaults on first use; a broken edit keeps the last good labels."""

from __future__ import annotations

import logging
import os
import shutil
import tomllib
from pathlib import Path

import tomli_w

from photo_tagger.core.errors import ConfigError
from photo_tagger.core.labels import LabelSet, default_label_set, label_set_from_dict, label_set_to_dict

log = logging.getLogger(__name__)


class LabelsFile:
    """labels.toml under the config dir, and labels.last-good.toml beside it."""

    def __init__(self, path: Path):
        self.path = path
        self.last_good = path.with_name("labels.last-good.toml")
        self.problem = ""  # why the file on disk is not in use, when it is broken

    def load(self) -> LabelSet:
        if not self.path.exists():
            labels = default_label_set()
            self.save(labels)
            return labels
        try:
            labels = self._parse(self.path)
        except ConfigError as exc:
            self.problem = str(exc)
            if self.last_good.exists():
                log.warning("%s; using the last good labels", exc)
                return self._parse(self.last_good)
            raise
        self.problem = ""
        shutil.copyfile(self.path, self.last_good)
        return labels

    def save(self, labels: LabelSet) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = "# Photo Tagger labels and moderation categories. Edit freely; see README (Labels).\n" + \
            tomli_w.dumps(label_set_to_dict(labels))
        tmp = self.path.with_suffix(".toml.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, self.path)
        shutil.copyfile(self.path, self.last_good)
        self.problem = ""

    @staticmethod
    def _parse(path: Path) -> LabelSet:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from None
        try:
            return label_set_from_dict(data)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None
