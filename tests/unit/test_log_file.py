"""The log file keeps lines whose file names are not valid UTF-8 (they used to be dropped without a word)."""

from __future__ import annotations

import logging
import os

from photo_tagger.log_setup import configure_logging


def test_a_non_utf8_file_name_is_logged_with_escapes(tmp_path):
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        configure_logging(tmp_path, False)
        logging.getLogger("photo_tagger.test").warning("skipped %s", os.fsdecode(b"caf\xe9.jpg"))
        for handler in root.handlers:
            handler.flush()
        text = "".join(p.read_text(encoding="utf-8") for p in tmp_path.glob("*.log"))
        assert "skipped caf\\udce9.jpg" in text
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
                handler.close()
