"""The Help menu's About and Keyboard shortcuts: one dialog of each at a time, facts read off the GUI thread."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence

from photo_tagger.gui.dialogs.about_dialog import AboutDialog, NoticesDialog, quick_facts, runtime_facts
from photo_tagger.gui.dialogs.shortcuts_dialog import ShortcutsDialog, window_shortcuts


class HelpActions(QObject):
    """Adds its actions to `menu`; tests reach the dialogs as `about_dialog` / `shortcuts_dialog`."""

    def __init__(self, window, menu):
        super().__init__(window)
        self.window = window
        self.about_dialog: AboutDialog | None = None
        self.notices_dialog: NoticesDialog | None = None
        self.shortcuts_dialog: ShortcutsDialog | None = None
        first = menu.actions()[0] if menu.actions() else None
        self.shortcuts_action = QAction("Keyboard shortcuts", menu)
        self.shortcuts_action.setShortcut(QKeySequence.StandardKey.HelpContents)
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        menu.insertAction(first, self.shortcuts_action)  # first, as in most applications; About comes last
        menu.addSeparator()
        self.about_action = menu.addAction("About Photo Tagger", self.show_about)

    def show_about(self) -> AboutDialog:
        """Shown at once with what needs no file; onnxruntime and the model are read on a query worker."""
        if self.about_dialog is None:
            self.about_dialog = AboutDialog(quick_facts(self.window.app.diagnostics_service), self.window)
            self.about_dialog.finished.connect(partial(self._closed, "about_dialog"))
            self.about_dialog.notices_requested.connect(self.show_notices)
            self.window.runner.query(partial(runtime_facts, self.window.app.diagnostics_service),
                                     on_done=self._facts_read)
        self.about_dialog.show()
        self.about_dialog.raise_()
        return self.about_dialog

    def _facts_read(self, facts) -> None:
        if self.about_dialog is not None:
            self.about_dialog.set_facts(facts)

    def show_notices(self) -> NoticesDialog:
        """The third-party notices: the packaged app's file, or made from the installed packages (on a worker)."""
        from photo_tagger.services.notices import third_party_notices

        if self.notices_dialog is None:
            self.notices_dialog = NoticesDialog(self.window)
            self.notices_dialog.finished.connect(partial(self._closed, "notices_dialog"))
            self.window.runner.query(third_party_notices, on_done=self._notices_read,
                                     on_error=lambda exc: self._notices_read(f"The licences could not be read: {exc}"))
        self.notices_dialog.show()
        self.notices_dialog.raise_()
        return self.notices_dialog

    def _notices_read(self, text: str) -> None:
        if self.notices_dialog is not None:
            self.notices_dialog.set_text(text)

    def show_shortcuts(self) -> ShortcutsDialog:
        if self.shortcuts_dialog is None:
            self.window.photos.ensure_viewer()  # its keys are listed before it first opens
            self.shortcuts_dialog = ShortcutsDialog(window_shortcuts(self.window), self.window)
            self.shortcuts_dialog.finished.connect(partial(self._closed, "shortcuts_dialog"))
        self.shortcuts_dialog.show()
        self.shortcuts_dialog.raise_()
        return self.shortcuts_dialog

    def _closed(self, name: str, _result: int) -> None:
        dialog = getattr(self, name)
        setattr(self, name, None)
        if dialog is not None:
            dialog.deleteLater()
