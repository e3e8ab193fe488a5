"""What the window does with stacks: folds bursts and similar shots of a library listing into one tile each
(services/stacks.py on a query worker), measures photos indexed before measures existed (on the writer), opens
and folds a stack, makes another photo its top, and turns stacking off and on (View menu, kept in gui.ini)."""

from __future__ import annotations

import os
from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut

from photo_tagger.gui.models.photo_grid import StackTile
from photo_tagger.gui.window_part import WindowPart
from photo_tagger.services.stacks import PhotoStack

SETTING = "view/stack_photos"
_APART = " \u00b7 "  # between the listing's header and what stacking folded


class StackActions(WindowPart):
    def __init__(self, window):
        super().__init__(window)
        self.action = QAction("Stack bursts and similar shots", window, checkable=True)
        self.action.setChecked(window.settings.value(SETTING, True, type=bool))
        self.action.toggled.connect(self._toggled)
        self._measured_for = -1  # the listing (generation) measures were last taken for: once per listing
        toggle = QShortcut(QKeySequence(Qt.Key.Key_S), window.grid)
        toggle.setContext(Qt.ShortcutContext.WidgetShortcut)  # set apart: see the window's Return shortcut
        toggle.activated.connect(self.toggle_current)
        toggle.setWhatsThis("Open or fold the selected photo's stack")  # its name in Help > Keyboard shortcuts

    @property
    def enabled(self) -> bool:
        return self.action.isChecked()

    def _toggled(self, on: bool) -> None:
        self.window.settings.setValue(SETTING, on)
        self.window.refresh_grid()

    def listing_done(self, generation: int) -> None:
        """A library listing is complete: find its stacks in the background, then fold them."""
        if not self.enabled or generation != self.window.grid_generation:
            return
        ids = self.window.grid_model.listed_ids
        if len(ids) < 2:
            return
        self.runner.query(lambda: self.app.stack_service.find_stacks(ids),
                          on_done=partial(self._found, generation))

    def _found(self, generation: int, found: list[PhotoStack]) -> None:
        if generation != self.window.grid_generation or not self.enabled:
            return
        grid, model = self.window.grid, self.window.grid_model
        top = grid.verticalScrollBar().value()
        current_id = self.window.photos.current.id if self.window.photos.current is not None else None
        model.set_stacks([StackTile(s.top.id, s.ids, s.reason) for s in found])
        row = next((r for r, i in enumerate(model.items) if i.id == current_id), None)
        if row is not None:
            grid.setCurrentIndex(model.index(row, 0))
        grid.verticalScrollBar().setValue(top)  # folding never jumps the grid back to its top
        header = self.window.header.text().split(_APART)[0]
        folded = sum(len(s.photos) for s in found)
        if found:
            self.window.header.setText(f"{header}{_APART}{len(found)} stack{'s' * (len(found) != 1)} "
                                       f"of {folded} photos")
        unmeasured = [p for s in found if s.measured < len(s.photos) for p in s.photos]
        if unmeasured and self._measured_for != generation:
            self._measured_for = generation
            self.runner.write("Measuring sharpness of photos in stacks",
                              lambda progress, control: self.app.stack_service.measure_missing(unmeasured, progress,
                                                                                               control),
                              on_done=partial(self._measured, generation))

    def _measured(self, generation: int, measured: int) -> None:
        if measured:  # compared again, now with their measures
            self.listing_done(generation)

    def toggle_current(self) -> None:
        """Open or fold the stack of the current photo (S, as in other photo organizers), keeping it current."""
        grid, model = self.window.grid, self.window.grid_model
        index = grid.currentIndex()
        tile = model.stack_of(model.item(index.row()).id) if index.isValid() else None
        if tile is None:
            return
        model.toggle_stack(tile.top)
        row = next(r for r, i in enumerate(model.items) if i.id == tile.top)
        grid.setCurrentIndex(model.index(row, 0))

    def add_to_menu(self, menu, item) -> None:
        """The grid menu's stack entries for the photo clicked, when it is in a stack."""
        model = self.window.grid_model
        tile = model.stack_of(item.id)
        if tile is None:
            return
        menu.addSeparator()
        opened = model.is_expanded(tile.top)
        text = "Fold this stack" if opened else f"Show all {tile.count} photos of this stack"
        menu.addAction(text, lambda: model.toggle_stack(item.id))
        if item.id != tile.top:
            menu.addAction("Make this the top of the stack", lambda: self.make_top(item))

    def make_top(self, item) -> None:
        generation = self.window.grid_generation
        name = os.path.basename(item.path)

        def done(stack) -> None:
            self.window.status.show_message(f"{name} is now the top of its stack of {len(stack.photos)}")
            self.listing_done(generation)

        self.runner.write(f"Making {name} the top of its stack",
                          lambda progress, control: self.app.stack_service.make_top(item.id), on_done=done)
