"""Issue 19 §3-5 and issue 21 §5 in the window, over real services and the trained shapes CLIP: the labels
editor shows each label's photos, what decides it and guidance; its preview names the other labels an edit
changes; a label can be made from selected photos; the review dialog opens on something to review and keeps the
sidebar's counts; a row being edited keeps its height."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from photo_tagger.app import App
from photo_tagger.core.labels import Label, LabelSet
from photo_tagger.gui.dialogs.labels_dialog import DECIDES, LABEL_COLUMNS, PHOTOS
from tests.fixture_models.shapes import CLASSES, COLORS, SHAPES, caption
from tests.gui.conftest import wait_idle

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("does not support propagateSizeHints")]
PROMPTS = len(LABEL_COLUMNS) - 1


@pytest.fixture
def shapes_library(shapes_home, tmp_path):
    """48 held-out shapes photos indexed under "red" (on every photo: threshold 0), "dog" (the model knows no
    dog) and "circle", one tag per photo: path -> (colour, shape)."""
    from photo_tagger.cli.main import run
    from tests.fixture_models.checkpoints import heldout_shapes

    folder = tmp_path / "shapes"
    folder.mkdir()
    truth = {}
    for i, (image, color, shape) in enumerate(heldout_shapes(3 * len(CLASSES), seed=50_003)):
        image.save(folder / f"{i:03d}.jpg", quality=95)
        truth[str(folder / f"{i:03d}.jpg")] = (color, shape)
    app = App.from_home(shapes_home)
    app.save_labels(LabelSet(labels=(Label("red", tuple(caption("red", s) for s in SHAPES), threshold=0.0),
                                     Label("dog", threshold=0.9), Label("circle", tuple(caption(c, "circle") for c in COLORS))),
                             max_tags=1))
    app.close()
    assert run(["--home", str(shapes_home), "index", str(folder)]) == 0
    return truth


def open_labels(qtbot, window):
    window.labels_action.trigger()
    qtbot.waitUntil(lambda: window.editors.labels_dialog is not None and window.editors.labels_dialog.isVisible(),
                    timeout=15_000)
    return window.editors.labels_dialog


def row_of(table, name):
    return next(row for row in range(table.rowCount()) if table.item(row, 0).text() == name)


def sidebar_counts(window):
    return {e.name: e.count for e in window.sidebar.tags.entries if e.kind == "tag"}


def test_the_labels_editor_shows_photos_what_decides_and_guidance(qtbot, open_window, shapes_home, shapes_library):
    from dataclasses import replace

    from photo_tagger.cli.main import run

    app = App.from_home(shapes_home)
    app.save_labels(replace(app.labels(), max_tags=3))  # "red" on every photo: nothing displaces it
    app.close()
    assert run(["--home", str(shapes_home), "retag"]) == 0
    window = open_window(shapes_home)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == len(shapes_library), timeout=15_000)
    qtbot.waitUntil(lambda: "circle" in sidebar_counts(window), timeout=10_000)
    dialog = open_labels(qtbot, window)
    table = dialog.label_table
    counts = sidebar_counts(window)
    assert table.item(row_of(table, "circle"), PHOTOS).text() == str(counts["circle"])  # as the sidebar says
    assert table.item(row_of(table, "red"), PHOTOS).text() == f"\u26a0 {counts['red']}"  # guidance: see below
    assert all(table.item(row, DECIDES).text() == "prompt" for row in range(table.rowCount()))
    dog = row_of(table, "dog")
    assert table.item(dog, PHOTOS).text() == "\u26a0 0"
    assert table.item(dog, PHOTOS).toolTip().startswith("tags no photo: the model ranks no photo clearly above "
                                                        "the rest for 'a photo of a dog.'")
    table.setCurrentCell(dog, 0)
    assert "tags no photo" in dialog.about.text() and "add a few photos to it to teach it" in dialog.about.text()
    red = row_of(table, "red")
    assert counts["red"] / len(shapes_library) >= 0.8 and "too general" in table.item(red, PHOTOS).toolTip()
    table.setCurrentCell(red, 0)
    assert "tags " in dialog.about.text() and "% of photos: too general" in dialog.about.text()
    dialog.reject()


def test_the_preview_names_the_other_labels_an_edit_changes(qtbot, open_window, shapes_home, shapes_library):
    """Another label "square" displaces "red" on the squares it is surer of (one tag per photo): the preview
    says so before saving, counted off the GUI thread."""
    window = open_window(shapes_home)
    dialog = open_labels(qtbot, window)
    table = dialog.label_table
    row = dialog.add_label("square")
    table.item(row, PROMPTS).setText(" | ".join(caption(c, "square") for c in COLORS))
    table.setCurrentCell(row, 0)
    dialog.preview_button.click()
    assert dialog.preview_text.text() == "Counting..."
    qtbot.waitUntil(lambda: dialog.preview_text.text() != "Counting...", timeout=20_000)
    text = dialog.preview_text.text()
    assert text.startswith("'square': ") and "; also changes: " in text and "lose 'red'" in text
    circle = row_of(table, "circle")
    table.setCurrentCell(circle, 0)
    dialog.preview_button.click()  # the same edit seen from circle: its own count, the same side effects
    qtbot.waitUntil(lambda: dialog.preview_text.text().startswith("'circle'"), timeout=20_000)
    foreseen = text.split("; ", 1)[1]
    assert dialog.preview_text.text().endswith(foreseen)
    with qtbot.waitSignal(window.runner.job_finished, timeout=30_000) as finished:
        dialog.accept()  # saved: the status line says what it did to the others, as the preview foresaw
    report, others = finished.args[1]
    assert others.describe() == foreseen and others.tags_lost["red"] > 0
    qtbot.waitUntil(lambda: window.status.message.text().endswith(foreseen), timeout=10_000)


def test_a_row_keeps_its_height_while_a_prompt_is_edited(qtbot):
    from photo_tagger.gui.dialogs.labels_dialog import LabelsDialog

    dialog = LabelsDialog(LabelSet(labels=(Label("beach"), Label("sunset"))))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    table = dialog.label_table
    height = table.rowHeight(0)
    name_rect = table.visualItemRect(table.item(0, 0))
    table.setCurrentCell(0, PROMPTS)
    table.editItem(table.item(0, PROMPTS))
    editor = table.findChild(QLineEdit)
    qtbot.waitUntil(lambda: editor is not None and editor.isVisible())
    editor.setText(" | ".join(f"a long prompt about the beach number {i}" for i in range(20)))
    qtbot.wait(50)  # a layout pass (nothing to wait for: the row must NOT change)
    assert table.rowHeight(0) == height and table.visualItemRect(table.item(0, 0)) == name_rect
    assert table.viewport().rect().contains(name_rect)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.rowHeight(0) > height)  # committed: the row fits its wrapped prompts again
    assert table.item(0, PROMPTS).text().startswith("a long prompt")


def test_a_label_from_selected_photos(qtbot, open_window, shapes_home, shapes_library):
    window = open_window(shapes_home)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == len(shapes_library), timeout=15_000)
    items = [i for i in window.grid_model.items if shapes_library[i.path][0] == "green"][:5]
    action = next(a for a in window.photos.menu(items).actions() if a.text() == "New label from these photos...")
    assert action.isEnabled()
    window.photos.new_label_from(items, "blorp")
    qtbot.waitUntil(lambda: "Label 'blorp' learned from 5 photos" in window.status.message.text(), timeout=30_000)
    wait_idle(qtbot, window)
    labels = window.app.labels()
    assert labels.label("blorp").examples_only
    added = {i for i, name, a in window.app.catalog.all_choices()[0] if name == "blorp" and a == "add"}
    assert added == {i.id for i in items}
    qtbot.waitUntil(lambda: sidebar_counts(window).get("blorp", 0) >= 5, timeout=10_000)
    dialog = open_labels(qtbot, window)
    assert dialog.label_table.item(row_of(dialog.label_table, "blorp"), DECIDES).text() == "your 5 examples"
    dialog.reject()
    window.photos.new_label_from(items, "  ")
    qtbot.waitUntil(lambda: window.status.message.text() == "No new label: a label needs a name", timeout=10_000)


def test_review_opens_on_something_to_review_and_keeps_the_sidebar_in_step(qtbot, open_window, shapes_home,
                                                                          shapes_library):
    window = open_window(shapes_home)
    qtbot.waitUntil(lambda: "circle" in sidebar_counts(window), timeout=15_000)
    window.review_labels()
    dialog = window.review_dialog
    qtbot.waitUntil(lambda: dialog.list.count() > 0, timeout=20_000)
    texts = [dialog.picker.itemText(k) for k in range(dialog.picker.count())]
    waiting = [t for t in texts if "to review)" in t and "nothing" not in t]
    assert texts[:len(waiting)] == waiting and "Label: dog (nothing to review)" in texts[len(waiting):]
    assert dialog.target[1] != "dog" and dialog.picker.currentText() == \
        f"Label: {dialog.target[1]} ({dialog.list.count()} to review)"
    name = dialog.target[1]
    for accept in (True, True, False):  # each answer changes what carries the label, or not
        dialog.answer(accept)
        qtbot.waitUntil(lambda: not dialog.busy, timeout=20_000)
        carried = sidebar_counts(window).get(name, 0)
        assert dialog.header.text().startswith(f"{carried} photo{'s' if carried != 1 else ''} carry {name!r} now")
        assert dialog.picker.currentText() == f"Label: {name} ({dialog.list.count()} to review)" or \
            dialog.list.count() == 0
    assert window.app.catalog.tag_counts()[name] == sidebar_counts(window)[name]
    dialog.reject()


def test_the_labels_editor_adds_a_label_from_examples_alone(qtbot):
    from photo_tagger.gui.dialogs.labels_dialog import LabelsDialog

    dialog = LabelsDialog(LabelSet(labels=(Label("beach"),)))
    qtbot.addWidget(dialog)
    dialog.add_examples_button.click()
    row = dialog.label_table.rowCount() - 1
    dialog.label_table.item(row, 0).setText("Grandma's garden")
    assert dialog.label_table.item(row, DECIDES).text().startswith("your examples")
    labels = dialog.result_labels()
    assert labels.label("Grandma's garden").examples_only and not labels.label("Grandma's garden").prompts
    dialog.label_table.item(row, PROMPTS).setText("a photo of a garden")  # a prompt makes it a prompt label
    assert not dialog.result_labels().label("Grandma's garden").examples_only
