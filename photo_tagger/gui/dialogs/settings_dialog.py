"""The Settings dialog: device, image-encoder precision, fast decoding, library server (with its token and CA),
reading text in photos, thumbnail size, blurring flagged photos."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from photo_tagger.config import Settings
from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.gui.thumbnails import THUMBNAIL_SIZES
from photo_tagger.services import store_server

DEVICES = (("Auto", "auto"), ("CPU", "cpu"), ("GPU", "gpu"))
PRECISIONS = (("fp32 (full precision)", "fp32"), ("int8 (faster on CPU, slightly less exact)", "int8"))
OCR_CHOICES = (("Photos that seem to hold text", "auto"), ("All photos", "all"), ("Off", "off"))


class SettingsDialog(QDialog):
    """Shows `settings`; `changes()` is what to pass to App.update_settings; `blur_flagged()` is the view option.
    A token typed for the library server goes to the system keyring on OK, never to the settings."""

    server_checked = Signal(str)  # the words from store_server.probe_server, from a worker thread

    def __init__(self, settings: Settings, precisions: tuple[str, ...], blur_flagged: bool,
                 parent: QWidget | None = None, ask_reading_estimate=None):
        """ask_reading_estimate(mode, on_done): asks a worker what reading under `mode` would take
        (services/text_reading.py, TextReadingService.reading_estimate); on_done(ReadingEstimate) on the GUI thread."""
        super().__init__(parent)
        self.ask_reading_estimate = ask_reading_estimate
        self.setWindowTitle("Settings")
        self.settings = settings
        self.device = QComboBox(self)
        for text, value in DEVICES:
            self.device.addItem(text, value)
        self.device.setCurrentIndex(self.device.findData(settings.device))
        self.device.setToolTip("Auto uses a GPU when onnxruntime has one, else the CPU")
        self.precision = QComboBox(self)
        for text, value in PRECISIONS:
            self.precision.addItem(text, value)
            if value not in precisions:
                item = self.precision.model().item(self.precision.count() - 1)
                item.setEnabled(False)
                item.setToolTip("The model in use has no int8 image encoder (reinstall it with --int8)")
        index = self.precision.findData(settings.precision)
        self.precision.setCurrentIndex(index if settings.precision in precisions else self.precision.findData("fp32"))
        self.ocr = QComboBox(self)
        for text, value in OCR_CHOICES:
            self.ocr.addItem(text, value)
        self.ocr.setCurrentIndex(self.ocr.findData(settings.ocr))
        # Before "All photos" starts: how many photos it reads and about how long that takes.
        self.ocr_estimate = QLabel(self)
        self.ocr_estimate.setWordWrap(True)
        self.ocr_estimate.hide()
        self.ocr.currentIndexChanged.connect(self._ocr_changed)
        self.ocr.setToolTip("Text read in photos (signs, receipts, screenshots) is found by search. Reading takes "
                            "about a quarter of a second per photo; the first choice reads only the photos that "
                            "look like they hold text. Photos not read yet are read at once.")
        self.thumbnail_size = QComboBox(self)
        for text, size in THUMBNAIL_SIZES:
            self.thumbnail_size.addItem(f"{text} ({size} px)", size)
        if self.thumbnail_size.findData(settings.thumbnail_size) < 0:  # a size set by hand in settings.toml
            self.thumbnail_size.addItem(f"Custom ({settings.thumbnail_size} px)", settings.thumbnail_size)
        self.thumbnail_size.setCurrentIndex(self.thumbnail_size.findData(settings.thumbnail_size))
        self.thumbnail_size.setToolTip("The size of the photos in the grid; it changes at once")
        self.blur = QCheckBox("Blur flagged photos", self)
        self.blur.setChecked(blur_flagged)
        self.fast_decode = QCheckBox("Faster indexing of large JPEGs (decoded at lower resolution)", self)
        self.fast_decode.setChecked(settings.fast_decode)
        self.fast_decode.setToolTip("About 15-20% faster on 12 MP photos; the pixels the model sees differ by about "
                                    "half a grey level on average")
        self.sidecar_albums = QCheckBox("Write albums to sidecars (Albums|Name keywords)", self)
        self.sidecar_albums.setChecked(settings.sidecar_albums)
        self.sidecar_albums.setToolTip("Writing tags to sidecars also writes each photo's albums, as hierarchical "
                                       "keywords digiKam and Lightroom show")
        self.store_url = QLineEdit(settings.store_url, self)
        self.store_url.setPlaceholderText("this computer (or a library server: https://nas.local:8443)")
        self.store_url.setToolTip("A library shared on a Chroma server (`chroma run`); empty: the library on this "
                                  "computer. `photo-tagger store migrate` copies a library between the two.")
        self.token = QLineEdit(self)
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText(self._token_placeholder(settings.store_url))
        self.token.setToolTip("The token the server's proxy checks (`photo-tagger store serve-config` makes one). It "
                              f"is kept in the system keyring; without one, set {store_server.token_variable()}.")
        self.ca_file = QLineEdit(settings.store_ca_file, self)
        self.ca_file.setPlaceholderText("the usual public certificate authorities")
        self.ca_file.setToolTip("The certificate (PEM) of the authority that signed the server's certificate, e.g. "
                                "a copy of Caddy's root.crt")
        self.check_button = QPushButton("Test connection", self)
        self.check_button.clicked.connect(self.check_server)
        self.server_state = QLabel(self)
        self.server_state.setWordWrap(True)
        self.server_checked.connect(self._show_server_state)
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        self.error.hide()
        note = QLabel("Device, precision, fast decoding and the library server (its token too) apply the next time Photo Tagger "
                      "starts: they are set up once per session.", self)
        note.setWordWrap(True)
        self.note = note
        form = QFormLayout()
        form.addRow("Device", self.device)
        form.addRow("Model precision", self.precision)
        form.addRow("Read text in photos", self.ocr)
        form.addRow("", self.ocr_estimate)
        form.addRow("Thumbnail size", self.thumbnail_size)
        form.addRow("", self.blur)
        form.addRow("", self.fast_decode)
        form.addRow("", self.sidecar_albums)
        form.addRow("Library server", self.store_url)
        form.addRow("Server token", self.token)
        form.addRow("Server CA file", self.ca_file)
        check_row = QHBoxLayout()
        check_row.addWidget(self.check_button)
        check_row.addWidget(self.server_state, 1)
        form.addRow("", check_row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                   Qt.Orientation.Horizontal, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def accept(self) -> None:
        """Only settings Settings itself accepts close the dialog; otherwise the reason is shown in it. Settings
        checks every value (config.py), as for settings.toml and `photo-tagger settings KEY VALUE`."""
        try:
            self.settings.with_changes(**self.changes())
            if self.token.text().strip():
                store_server.save_token(self._url(), self.token.text())
        except PhotoTaggerError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        super().accept()

    def _url(self) -> str:
        url = self.store_url.text().strip()
        if not url:
            raise PhotoTaggerError("a token is for a library server: enter the server's address first")
        Settings(store_url=url)
        return url

    @staticmethod
    def _token_placeholder(url: str) -> str:
        if url and store_server.has_saved_token(url):
            return "a token is saved in the system keyring (type a new one to replace it)"
        return "none (type the token the server's proxy checks)"

    def check_server(self) -> None:
        """Connect as the app will (token, CA file) on a worker thread and say what is wrong in words."""
        try:
            url = self._url()
        except PhotoTaggerError as exc:
            self._show_server_state(str(exc))
            return
        typed, ca_file = self.token.text().strip(), self.ca_file.text().strip()
        self.check_button.setEnabled(False)
        self.server_state.setText("Connecting...")

        def work() -> None:
            answer = store_server.probe_server(url, ca_file, typed)
            fine = "The server answers and accepts the token." if answer.token_from else \
                "The server answers (no token)."
            try:
                self.server_checked.emit(answer.problem or fine)
            except RuntimeError:  # the dialog was closed (and deleted) meanwhile
                pass

        threading.Thread(target=work, name="settings-server-check", daemon=True).start()

    def _show_server_state(self, text: str) -> None:
        self.check_button.setEnabled(True)
        self.server_state.setText(text[:1].upper() + text[1:])

    def precision_enabled(self, precision: str) -> bool:
        return self.precision.model().item(self.precision.findData(precision)).isEnabled()

    def changes(self) -> dict:
        """The settings.toml fields that differ from the ones shown."""
        chosen = {"device": self.device.currentData(), "precision": self.precision.currentData(),
                  "thumbnail_size": self.thumbnail_size.currentData(), "fast_decode": self.fast_decode.isChecked(),
                  "store_url": self.store_url.text().strip(), "store_ca_file": self.ca_file.text().strip(),
                  "ocr": self.ocr.currentData(), "sidecar_albums": self.sidecar_albums.isChecked()}
        return {key: value for key, value in chosen.items() if getattr(self.settings, key) != value}

    def _ocr_changed(self) -> None:
        mode = self.ocr.currentData()
        if mode != "all" or self.settings.ocr == "all" or self.ask_reading_estimate is None:
            self.ocr_estimate.hide()
            return
        self.ocr_estimate.setText("Counting the photos to read...")
        self.ocr_estimate.show()
        self.ask_reading_estimate(mode, self.show_reading_estimate)

    def show_reading_estimate(self, estimate) -> None:
        if self.ocr.currentData() != "all":
            return  # the choice changed again meanwhile
        if not estimate.photos:
            self.ocr_estimate.setText("Every photo's text is read already: nothing more to read.")
        else:
            basis = "as measured on this library's photos" if estimate.measured else "a typical reading time"
            self.ocr_estimate.setText(
                f"{estimate.photos:,} photo{'s' if estimate.photos != 1 else ''} will be read, about "
                f"{duration(estimate.seconds)} ({estimate.seconds_per_photo:.1f} s a photo, {basis}). "
                f"Reading starts when you press OK and runs in the background.")
        self.ocr_estimate.show()

    def blur_flagged(self) -> bool:
        return self.blur.isChecked()


def duration(seconds: float) -> str:
    """"40 seconds", "12 minutes", "3.5 hours": a time estimate in words."""
    if seconds < 90:
        return f"{max(1, round(seconds))} seconds"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} minutes"
    return f"{seconds / 3600:.1f} hours"
