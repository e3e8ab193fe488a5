"""The review dialog over the trained shapes CLIP: borderline first, Y / N store the choice at once and the list
is re-learned from it; a photo deleted meanwhile gets one line and nothing is recorded."""

import os

import pytest
from PySide6.QtCore import Qt

from photo_tagger.app import App
from photo_tagger.core.labels import Label, LabelSet, ModerationCategory
from tests.fixture_models.shapes import CLASSES, COLORS, SHAPES, caption

PER_CLASS = 3


@pytest.fixture
def indexed_shapes(shapes_home, tmp_path):
    """48 held-out shapes photos indexed under a label "circle" and a category "triangles": path -> truth."""
    from photo_tagger.cli.main import run
    from tests.fixture_models.checkpoints import heldout_shapes

    folder = tmp_path / "shapes"
    folder.mkdir()
    truth = {}
    for i, (image, color, shape) in enumerate(heldout_shapes(PER_CLASS * len(CLASSES), seed=50_001)):
        image.save(folder / f"{i:03d}.jpg", quality=95)
        truth[str(folder / f"{i:03d}.jpg")] = (color, shape)
    app = App.from_home(shapes_home)
    app.save_labels(LabelSet(labels=(Label("circle", tuple(caption(c, "circle") for c in COLORS)),),
                             moderation=(ModerationCategory("triangles", tuple(caption(c, "triangle") for c in COLORS),
                                                            tuple(caption(c, s) for c in COLORS for s in SHAPES
                                                                  if s != "triangle"), threshold=0.5),)))
    app.close()
    assert run(["--home", str(shapes_home), "index", str(folder)]) == 0
    return truth


@pytest.fixture
def reviewing(qtbot, shapes_home, indexed_shapes):
    """The dialog over its own TaskRunner (as the window's), its first list shown."""
    from photo_tagger.gui.dialogs.review_dialog import ReviewDialog
    from photo_tagger.gui.tasks import TaskRunner

    truth = indexed_shapes
    app = App.from_home(shapes_home)
    runner = TaskRunner(app.close)
    dialog = ReviewDialog(app, runner, target=("label", "circle"))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.list.count() > 0, timeout=15_000)
    yield app, dialog, truth
    runner.shutdown()  # waits for the writer, then closes the app


def settled(qtbot, dialog):
    """Every answer given is stored and the list re-learned from them."""
    qtbot.waitUntil(lambda: not dialog.busy and dialog.list.count() > 0, timeout=15_000)


def rows(dialog):
    return [dialog.list.item(i) for i in range(dialog.list.count())]


def path_of(app, item):
    from photo_tagger.gui.dialogs.review_dialog import PhotoIdRole

    return app.catalog.get([item.data(PhotoIdRole)])[item.data(PhotoIdRole)].path


def test_borderline_first_and_y_n_feed_learning(qtbot, reviewing, tmp_path):
    app, dialog, truth = reviewing
    listed = rows(dialog)
    confidences = [float(item.text().split()[0]) for item in listed]
    assert listed and "above its threshold" in dialog.header.text()
    assert [abs(c - 0.5) for c in confidences] == sorted(abs(c - 0.5) for c in confidences)  # borderline first
    answered = {}
    for _ in range(8):  # one key per photo: Y when it is a circle, N when not
        item = dialog.list.currentItem()
        is_circle = truth[path_of(app, item)][1] == "circle"
        answered[path_of(app, item)] = is_circle
        qtbot.keyClick(dialog, Qt.Key.Key_Y if is_circle else Qt.Key.Key_N)
    settled(qtbot, dialog)
    stored = {app.catalog.get([i])[i].path: a == "add" for i, label, a in app.catalog.all_choices()[0]}
    assert stored == answered and dialog.choices_made == 8
    assert not answered.keys() & {path_of(app, item) for item in rows(dialog)}  # decided photos leave the list
    if sum(answered.values()) >= 3 and sum(not v for v in answered.values()) >= 3:
        assert all(" learned " in item.text() for item in rows(dialog))  # the label now decides from them
    dialog.grab().save(str(tmp_path / "review.png"))
    if os.environ.get("REVIEW_SCREENSHOT"):
        dialog.grab().save(os.environ["REVIEW_SCREENSHOT"])


def test_a_category_and_a_deleted_photo(qtbot, reviewing):
    app, dialog, truth = reviewing
    dialog.picker.setCurrentIndex(dialog.targets.index(("category", "triangles")))
    qtbot.waitUntil(lambda: dialog.list.count() > 0, timeout=15_000)
    first = dialog.list.currentItem()
    assert first is not None and "Moderation" in dialog.picker.currentText()
    photo_id = first.data(Qt.ItemDataRole.UserRole + 1)
    app.vector_store().delete([photo_id])  # deleted meanwhile (as the indexer removes a photo)
    with app.catalog.transaction() as db:
        app.catalog.write(db, deletes=[photo_id])
    dialog.yes.click()
    assert photo_id not in [item.data(Qt.ItemDataRole.UserRole + 1) for item in rows(dialog)]  # left at once
    settled(qtbot, dialog)
    assert "no longer in the library" in dialog.status.text() and len(dialog.status.text().splitlines()) == 1
    assert app.catalog.confirmed_flags() == [] and dialog.choices_made == 0
    second = dialog.list.currentItem().data(Qt.ItemDataRole.UserRole + 1)
    qtbot.keyClick(dialog, Qt.Key.Key_N)  # not sensitive
    settled(qtbot, dialog)
    assert app.catalog.all_choices()[1] == [second] and dialog.choices_made == 1
    assert app.catalog.rejected_flags() == [(second, "triangles")]  # a negative example for this category only
    assert dialog.status.text() == ""  # the problem line goes once an answer is stored


def test_answers_are_stored_and_learned_off_the_gui_thread_in_order(qtbot, reviewing, monkeypatch):
    """The store and the re-learning run on the writer; a second answer given while the first is being stored
    waits in order and lands once, and the dialog says what it is doing meanwhile."""
    import threading

    app, dialog, truth = reviewing
    review = app.review_service
    threads, release = [], threading.Event()
    real_decide, real_candidates = review.decide, review.candidates

    def decide(*args):
        threads.append(("decide", threading.current_thread()))
        release.wait(10)  # the first answer is slow to store: the second comes meanwhile
        return real_decide(*args)

    def candidates(*args):
        threads.append(("candidates", threading.current_thread()))
        return real_candidates(*args)

    monkeypatch.setattr(review, "decide", decide)
    monkeypatch.setattr(review, "candidates", candidates)
    first, second = (item.data(Qt.ItemDataRole.UserRole + 1) for item in rows(dialog)[:2])
    qtbot.keyClick(dialog, Qt.Key.Key_Y)
    assert dialog.list.currentItem().data(Qt.ItemDataRole.UserRole + 1) == second  # the GUI did not wait
    qtbot.keyClick(dialog, Qt.Key.Key_N)
    assert {first, second}.isdisjoint(item.data(Qt.ItemDataRole.UserRole + 1) for item in rows(dialog))
    qtbot.waitUntil(lambda: "1 more waiting" in dialog.state.text(), timeout=5_000)
    assert dialog.state.text().startswith("Saving 1 answer and re-learning")
    release.set()
    settled(qtbot, dialog)
    rows_stored = [(i, a) for i, label, a in app.catalog.all_choices()[0] if label == "circle"]
    assert sorted(rows_stored) == sorted([(first, "add"), (second, "remove")])  # both, each once
    assert dialog.choices_made == 2 and dialog.answers_given == 2
    assert [n for n, _ in threads].count("decide") == 2
    assert threads and all(t is not threading.main_thread() for _, t in threads)
    assert {t.name.split("_")[0] for n, t in threads if n == "decide"} == {"writer"}
    assert dialog.state.text() == "2 answers saved; the list has learned from them"
    assert {first, second}.isdisjoint(item.data(Qt.ItemDataRole.UserRole + 1) for item in rows(dialog))


def test_the_labels_file_is_read_off_the_gui_thread(qtbot, shapes_home, indexed_shapes, monkeypatch):
    """Opening the review reads labels.toml on a query worker (ARCHITECTURE.md, Threading); the targets it
    lists and the one asked for come with it."""
    import threading

    from photo_tagger.gui.dialogs.review_dialog import ReviewDialog
    from photo_tagger.gui.tasks import TaskRunner

    app = App.from_home(shapes_home)
    threads, real_labels = [], app.labels
    monkeypatch.setattr(app, "labels", lambda: threads.append(threading.current_thread()) or real_labels())
    runner = TaskRunner(app.close)
    try:
        dialog = ReviewDialog(app, runner, target=("category", "triangles"))
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.list.count() > 0, timeout=15_000)
        assert threads and all(t is not threading.main_thread() for t in threads)
        assert dialog.targets == [("label", "circle"), ("category", "triangles")]
        assert dialog.target == ("category", "triangles") and dialog.picker.currentText() == \
            f"Moderation: triangles ({dialog.list.count()} to review)"
        assert "To review: " in dialog.header.text() and "carry" not in dialog.header.text()
    finally:
        runner.shutdown()


def test_the_window_grades_search_hits(qtbot, indexed_shapes, open_window, shapes_home):
    truth = indexed_shapes
    window = open_window(shapes_home)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == len(truth), timeout=15_000)
    qtbot.keyClicks(window.search_bar.edit, "a photo of a red circle")
    qtbot.waitUntil(lambda: "best match" in window.header.text(), timeout=15_000)
    assert "strong" in window.header.text()
    strong = int(window.header.text().split("(")[1].split()[0])
    assert strong >= PER_CLASS - 1
    top = [truth[i.path] for i in window.grid_model.items[:strong]]
    assert sum(t == ("red", "circle") for t in top) >= PER_CLASS - 1
    from photo_tagger.gui.models.photo_grid import MatchRole
    grades = [window.grid_model.index(r, 0).data(MatchRole) for r in range(window.grid_model.rowCount())]
    assert grades == ["strong"] * strong + ["weak"] * (len(grades) - strong)  # the model keeps each hit's grade
    if len(grades) > strong:  # the weak ones under a line
        assert "weaker below the line" in window.header.text()
        assert window.grid_model.first_weak_row == strong and window.grid.divider()
    row = next(r for r, i in enumerate(window.grid_model.items) if "circle" in i.tags)
    window.grid.setCurrentIndex(window.grid_model.index(row, 0))  # the details panel: confidence and source
    qtbot.waitUntil(lambda: any(window.details.tags.item(r).text().startswith("circle")
                                for r in range(window.details.tags.count())), timeout=10_000)
    shown = next(window.details.tags.item(r).text() for r in range(window.details.tags.count())
                 if window.details.tags.item(r).text().startswith("circle"))
    assert shown.split()[-1] == "prompt" and 0.5 <= float(shown.split()[1]) <= 1.0
    window.search_bar.edit.clear()
    qtbot.keyClicks(window.search_bar.edit, "a dog on a beach")
    qtbot.waitUntil(lambda: "dog on a beach" in window.header.text() and "best match" in window.header.text(),
                    timeout=15_000)
    assert window.header.text().startswith("no photo matches well; closest:")
    assert window.grid_model.first_weak_row is None and window.grid.divider() == []  # nothing strong: no line
    assert window.grid_model.index(0, 0).data(MatchRole) == "weak"


def test_the_window_opens_the_review_from_its_menu(qtbot, indexed_shapes, open_window, shapes_home):
    window = open_window(shapes_home)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == len(indexed_shapes), timeout=15_000)
    window.review_action.trigger()
    dialog = window.review_dialog
    qtbot.waitUntil(lambda: dialog.list.count() > 0, timeout=15_000)
    assert dialog.isVisible() and dialog.target == ("label", "circle")
    photo_id = dialog.list.currentItem().data(Qt.ItemDataRole.UserRole + 1)
    retagged = []
    window.runner.job_finished.connect(lambda job, result: retagged.append(job.description))
    dialog.yes.click()  # (the keys are tested above)
    dialog.yes.click()
    dialog.accept()  # at once: both answers are still stored, then the library retagged with them
    qtbot.waitUntil(lambda: not dialog.isVisible())
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=30_000)
    assert [d for d in retagged if "review" in d or d.startswith("Retagging")] == \
        ["Learning from 1 answer (review)", "Learning from 1 answer (review)", "Retagging library"]
    added = [i for i, label, a in window.app.catalog.all_choices()[0] if label == "circle" and a == "add"]
    assert photo_id in added and len(added) == 2


def test_the_labels_editor_previews_gain_and_loss_before_saving(qtbot, indexed_shapes, shapes_home):
    from photo_tagger.gui.dialogs.labels_dialog import LabelsDialog
    from photo_tagger.gui.tasks import TaskRunner
    app = App.from_home(shapes_home)
    runner = TaskRunner(app.close)
    try:
        labels = app.labels()
        dialog = LabelsDialog(labels, "", None, preview=app.label_report_service.edit_preview, runner=runner)
        qtbot.addWidget(dialog)
        dialog.label_table.setCurrentCell(0, 2)
        dialog.label_table.item(0, 2).setText("0.999")  # circle's own threshold, nearly unreachable
        before = {i for i, _ in app.catalog.decisions(app.catalog.filter_ids(app.model_key())).items()}
        dialog.preview_button.click()
        qtbot.waitUntil(lambda: dialog.preview_text.text() != "Counting...", timeout=15_000)
        text = dialog.preview_text.text()
        assert text.startswith("'circle': 0 photos would gain it,") and "would lose it" in text
        assert int(text.split(", ")[1].split()[0]) > 0
        assert app.labels() == labels  # nothing saved
        assert {i for i, _ in app.catalog.decisions(app.catalog.filter_ids(app.model_key())).items()} == before
    finally:
        runner.shutdown()  # waits for the query workers, then closes the app


def test_the_labels_editor_says_where_each_decision_comes_from(qtbot, indexed_shapes, open_window, shapes_home):
    window = open_window(shapes_home)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == len(indexed_shapes), timeout=15_000)
    circle = next(p for p, t in sorted(indexed_shapes.items()) if t[1] == "circle")
    others = [p for p, t in sorted(indexed_shapes.items()) if t[1] != "circle"][:3]
    ids = {r.path: r.id for r in window.app.catalog.records()}
    for p in [circle, *[q for q, t in sorted(indexed_shapes.items()) if t[1] == "circle"][1:3]]:
        window.app.tag_edit_service.edit_tags(ids[p], add=["circle"])
    for p in others:
        window.app.tag_edit_service.edit_tags(ids[p], remove=["circle"])
    window.labels_action.trigger()
    qtbot.waitUntil(lambda: window.editors.labels_dialog is not None, timeout=15_000)
    tip = window.editors.labels_dialog.label_table.item(0, 0).toolTip()
    assert tip == "circle\nDecides by: prompt + your 6 examples"
    window.editors.labels_dialog.reject()
