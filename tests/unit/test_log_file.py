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
        # Straight to the app's handlers: pytest's own log capture is left out, as its report of a surrogate
        # cannot cross to pytest-xdist's main process (execnet sends UTF-8 only).
        record = logging.getLogger("photo_tagger.test").makeRecord(
            "photo_tagger.test", logging.WARNING, __file__, 0, "skipped %s", (os.fsdecode(b"caf\xe9.jpg"),), None)
        for handler in root.handlers:
            if handler not in before:
                handler.handle(record)
                handler.flush()
        text = "".join(p.read_text(encoding="utf-8") for p in tmp_path.glob("*.log"))
        assert "skipped caf\\udce9.jpg" in text
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
                handler.close()
