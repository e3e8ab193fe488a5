"""infra/model_trials.py: what a trial encoded, appended per batch; a line cut by a kill is ignored."""

from photo_tagger.infra.model_trials import TrialRecords


def test_records_append_and_the_last_write_wins(tmp_path):
    records = TrialRecords(tmp_path / "trials")
    assert not records.exists("m@1") and records.encoded("m@1") == {}
    records.add("m@1", {"a": "h1", "b": "!h2"})
    records.add("m@1", {"a": "h3"})
    records.add("other@2", {"c": "h4"})
    assert records.exists("m@1") and records.encoded("m@1") == {"a": "h3", "b": "!h2"}
    records.forget("m@1")
    assert records.encoded("m@1") == {} and records.encoded("other@2") == {"c": "h4"}


def test_a_line_cut_short_is_ignored(tmp_path):
    records = TrialRecords(tmp_path)
    records.add("m@1", {"a": "h1"})
    with open(records._file("m@1"), "a", encoding="utf-8") as f:
        f.write("b")  # killed in the middle of the next line
    assert records.encoded("m@1") == {"a": "h1"}
