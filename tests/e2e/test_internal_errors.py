"""A bug reaches the user as one line naming the log file; the traceback is in that file, not on the console."""

from __future__ import annotations

import photo_tagger.cli.library as library_cli


def test_an_internal_error_is_one_line_with_the_log_path_and_the_traceback_is_logged(cli, home, monkeypatch):
    def broken(app, args):
        raise RuntimeError("boom")

    monkeypatch.setattr(library_cli, "_status", broken)
    result = cli("--home", home, "status")
    log_file = home / "logs" / "photo-tagger.log"
    assert result.returncode == 70
    assert result.err.splitlines() == [f"photo-tagger: internal error: RuntimeError: boom (traceback in {log_file})"]
    logged = log_file.read_text()
    assert "Traceback (most recent call last)" in logged and "RuntimeError: boom" in logged
    verbose = cli("--home", home, "-v", "status")
    assert "Traceback (most recent call last)" in verbose.err, "-v shows it on the console too"
