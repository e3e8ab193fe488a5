"""Server mode without a server: retry policy, writer ids, other instances' hits, settings overrides."""

from __future__ import annotations

import threading

import httpx
import numpy as np
import pytest

from photo_tagger.app import App
from photo_tagger.config import AppPaths, Settings, library_id
from photo_tagger.core.errors import ConfigError
from photo_tagger.core.search import Filters, nearest
from photo_tagger.core.tagging import EffectiveTags
from photo_tagger.core.types import PhotoRecord
from photo_tagger.core.vector_metadata import (
    OWNER_KEY,
    copied_metadata,
    foreign_record,
    record_from_metadata,
    vector_metadata,
)
from photo_tagger.infra.store_retry import StoreRetry, StoreUnreachable


class Clock:
    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def flaky(failures: int, exc: Exception):
    calls = []

    def call():
        calls.append(1)
        if len(calls) <= failures:
            raise exc
        return "ok"
    return call, calls


def test_connection_errors_are_retried_with_capped_backoff():
    clock = Clock()
    retry = StoreRetry("http://nas:8000", first_delay=0.5, max_delay=4, sleep=clock.sleep, clock=clock)
    states = []
    call, calls = flaky(6, httpx.ConnectError("refused"))
    with retry.patient(None, on_state=states.append):
        assert retry.call(call) == "ok"
    assert clock.sleeps == [0.5, 1, 2, 4, 4, 4] and len(calls) == 7
    assert all(s.startswith("store unreachable, retrying") for s in states[:-1]) and states[-1] is None


def test_interactive_calls_give_up_and_bad_requests_are_not_retried():
    clock = Clock()
    retry = StoreRetry("http://nas:8000", give_up_after=5, sleep=clock.sleep, clock=clock)
    call, calls = flaky(100, httpx.ReadTimeout("timed out"))
    with pytest.raises(StoreUnreachable, match=r"http://nas:8000 is unreachable \(gave up after 5 s\)"):
        retry.call(call)
    assert clock.now == 5
    call, calls = flaky(1, ValueError("Collection expecting embedding with dimension of 4, got 5"))
    with pytest.raises(ValueError):
        retry.call(call)
    assert len(calls) == 1


def test_patience_is_per_thread_and_a_stop_ends_the_wait():
    retry = StoreRetry("http://nas:8000", give_up_after=0.2, first_delay=0.05)
    stop = threading.Event()
    failures: list[Exception] = []

    def patient_worker():
        with retry.patient(None, stop=stop):
            try:
                retry.call(flaky(10**6, httpx.ConnectError("refused"))[0])
            except StoreUnreachable as exc:
                failures.append(exc)

    worker = threading.Thread(target=patient_worker)
    worker.start()
    with pytest.raises(StoreUnreachable):  # this thread is impatient meanwhile
        retry.call(flaky(10**6, httpx.ConnectError("refused"))[0])
    assert worker.is_alive()
    stop.set()
    worker.join(timeout=10)
    assert not worker.is_alive() and "stopped" in str(failures[0])

    clock = Clock()
    retry = StoreRetry("http://nas:8000", sleep=clock.sleep, clock=clock)
    with retry.patient(None, stop=lambda: clock.now > 30), pytest.raises(StoreUnreachable, match="stopped"):
        retry.call(flaky(10**6, httpx.ConnectError("refused"))[0])  # a job's cancel: `lambda: control.cancelled`


RECORD = PhotoRecord(id="p1", root="/home/bob/Pictures", relpath="2023/beach.jpg", size=1234, mtime_ns=99,
                     content_hash="abc", status="indexed", embedded_model="clip", width=640, height=480,
                     taken_at="2023-07-14T18:30:00", camera_make="Canon", camera_model="EOS", gps_lat=48.1,
                     gps_lon=11.5)


def test_a_record_survives_the_round_trip_through_metadata():
    meta = vector_metadata(RECORD, EffectiveTags(("beach",), ()))
    assert record_from_metadata("p1", meta) == RECORD
    assert foreign_record("p1", {**meta, OWNER_KEY: "bob"}, "alice") == RECORD
    assert foreign_record("p1", {**meta, OWNER_KEY: "alice"}, "alice") is None  # ours: a leftover
    assert foreign_record("p1", meta, "alice") is None  # no writer named: never shown as someone else's
    copied = copied_metadata({**meta, "tags": ["stale"]}, "alice", EffectiveTags(("dog",), ("nudity",)))
    assert copied[OWNER_KEY] == "alice" and copied["tags"] == ["dog"] and copied["flagged"] == 1
    private = copied_metadata(meta, "alice", None)
    assert private["tags"] is None and private["flagged"] == 0


class _Store:
    library_id = "alice"
    shared = True

    def __init__(self, hits):
        self.hits = hits

    def query(self, embedding, limit, where=None):
        return self.hits[:limit]


class _Catalog:
    def __init__(self, records):
        self.records = records

    def get(self, ids):
        return {i: self.records[i] for i in ids if i in self.records}

    def decisions(self, ids):
        return {}

    def choices(self, ids):
        return {}


def test_search_shows_other_instances_photos_and_drops_its_own_leftovers():
    mine = PhotoRecord(id="m1", root="/home/alice/Pictures", relpath="a.jpg", size=1, mtime_ns=1,
                       content_hash="h", status="indexed", embedded_model="clip")
    bob = {**vector_metadata(RECORD, EffectiveTags(("beach",), ())), OWNER_KEY: "bob"}
    store = _Store([("p1", 0.9, bob), ("leftover", 0.8, {**vector_metadata(mine), OWNER_KEY: "alice"}),
                    ("m1", 0.7, {OWNER_KEY: "alice"})])
    hits = nearest(store, _Catalog({"m1": mine}), np.zeros(4, np.float32), limit=10, filters=Filters())
    assert [(h.record.id, h.tags) for h in hits] == [("p1", ("beach",)), ("m1", ())]
    assert hits[0].record.path == "/home/bob/Pictures/2023/beach.jpg"


def test_library_id_is_made_once_and_kept(tmp_path):
    first = library_id(tmp_path / "library")
    assert len(first) == 32 and library_id(tmp_path / "library") == first
    assert library_id(tmp_path / "other") != first


def test_store_option_is_not_saved(tmp_path):
    app = App(AppPaths.resolve(tmp_path))
    app.override(store_url="http://nas:8000")
    app.update_settings(batch_size=8)
    saved = Settings.load(app.paths.settings_file)
    assert (saved.store_url, saved.batch_size) == ("", 8)
    assert app.settings.store_url == "http://nas:8000"
    app.update_settings(store_url="http://other:8000")  # an explicit change is saved
    assert Settings.load(app.paths.settings_file).store_url == "http://other:8000"
    with pytest.raises(ConfigError, match="store_url"):
        Settings(store_url="nas:8000")


def test_a_collection_whose_vectors_are_still_being_flushed_is_asked_again():
    import chromadb.errors

    from photo_tagger.infra.store_retry import RetryingCollection

    answers = [chromadb.errors.InternalError("Error executing plan: Internal error: Error creating hnsw segment "
                                             "reader: Nothing found on disk")] * 2 + ["hits"]

    class Collection:
        def query(self):
            answer = answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer

    assert RetryingCollection(Collection(), StoreRetry("http://nas:8000")).query() == "hits"
    other = RetryingCollection(Collection(), StoreRetry("http://nas:8000"))
    answers[:] = [chromadb.errors.InternalError("a real bug")]
    with pytest.raises(chromadb.errors.InternalError, match="a real bug"):  # other errors are not repeated
        other.query()
