"""Recent searches: distinct, newest first, capped, and whole after concurrent writers or a kill mid-write."""

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time

from photo_tagger.app import App
from photo_tagger.infra.search_history import SearchHistory


def test_distinct_newest_first_and_capped(tmp_path):
    history = SearchHistory(tmp_path / "h.json", keep=5)
    for q in ["dog", "beach", "  dog ", "", "   ", "cat"]:
        history.remember(q)
    assert history.recent() == ["cat", "dog", "beach"]
    assert history.recent(2) == ["cat", "dog"]
    for i in range(10):
        history.remember(f"q{i}")
    assert history.recent() == ["q9", "q8", "q7", "q6", "q5"]
    assert SearchHistory(tmp_path / "h.json").recent() == history.recent()  # it is on disk


def test_typing_keeps_only_the_query_typed_to_its_end(tmp_path, monkeypatch):
    import photo_tagger.infra.search_history as module

    clock = [1000.0]
    monkeypatch.setattr(module.time, "time", lambda: clock[0])
    history = SearchHistory(tmp_path / "h.json")
    for typed in ["be", "beach", "beach su", "beach sunset"]:  # the window searches as the user types
        history.remember(typed)
        clock[0] += 0.5
    assert history.recent() == ["beach sunset"]
    clock[0] += 60
    history.remember("beach sunset at night")  # a later, longer search is a search of its own
    assert history.recent() == ["beach sunset at night", "beach sunset"]


def test_a_damaged_file_starts_afresh(tmp_path, caplog):
    path = tmp_path / "h.json"
    path.write_text("{not json", encoding="utf-8")
    history = SearchHistory(path)
    assert history.recent() == []
    assert "cannot be read" in caplog.text
    history.remember("red circle")
    assert history.recent() == ["red circle"]
    path.write_text(json.dumps({"searches": [{"query": 3}, "x", {"query": "ok"}]}), encoding="utf-8")
    assert history.recent() == ["ok"]


def _remember_many(path, tag, n):
    history = SearchHistory(path, keep=1000, lock_timeout=60)  # a loaded test machine: the lock is what is tested
    for i in range(n):
        history.remember(f"{tag}-{i}")


def test_concurrent_processes_lose_no_query(tmp_path):
    path = tmp_path / "h.json"
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_remember_many, args=(path, tag, 25)) for tag in "abc"]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    assert sorted(SearchHistory(path, keep=1000).recent(1000)) == sorted(f"{t}-{i}" for t in "abc" for i in range(25))


KILLED_WRITER = """
import sys
from photo_tagger.infra.search_history import SearchHistory
h = SearchHistory(sys.argv[1], keep=50)
print("ready", flush=True)
i = 0
while True:
    h.remember(f"query {i} " + "x" * 2000)
    i += 1
"""


def test_a_writer_killed_mid_write_leaves_a_whole_history(tmp_path):
    path = tmp_path / "h.json"
    for attempt in range(5):
        child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(path)], stdout=subprocess.PIPE,
                                 cwd=os.getcwd())
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(0.2 + 0.07 * attempt)
        child.send_signal(signal.SIGKILL)
        child.wait()
        data = json.loads(path.read_text(encoding="utf-8"))  # never half-written
        assert 1 <= len(data["searches"]) <= 50
    assert SearchHistory(path).recent(1)[0].startswith("query ")


def test_service_remembers_per_library(tmp_path):
    app = App.from_home(tmp_path / "home")
    app.search_service.remember_search("a red circle")
    app.search_service.remember_search("a blue square")
    assert app.search_service.recent_searches() == ["a blue square", "a red circle"]
    assert app.search_service.recent_searches(n=1) == ["a blue square"]
    assert (tmp_path / "home" / "data" / "library" / "search_history.json").is_file()
