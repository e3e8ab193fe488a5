"""The background part of trying a model: encode its sample (or every photo, before a switch) on the runner's
writer one short slice at a time, so an index or a tag edit never waits long behind it; switch at the end when
asked. The window starts it for any installed model whose trial is not complete (a second model just installed,
or a trial stopped by the last quit); the Compare models dialog watches it."""

from __future__ import annotations

import logging
from functools import partial

from PySide6.QtCore import QObject, Signal

from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.model_comparison import SAMPLE_SIZE
from photo_tagger.services.model_trial import ModelTrialService

log = logging.getLogger(__name__)

SLICE = 48  # photos per writer job at most...
SLICE_S = 2.0  # ...and no new batch after this long: an index or a tag edit waits one batch more at worst


class TrialDriver(QObject):
    state_changed = Signal(object)  # a TrialState: after each slice, and once when a trial is looked at
    switched = Signal(object)  # a SwitchReport
    failed = Signal(str)  # one line

    def __init__(self, trials: ModelTrialService, runner, *, sample: int = SAMPLE_SIZE,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.trials, self.runner, self.sample = trials, runner, sample
        self.name: str | None = None
        self.state = None  # the last TrialState of `name`
        self.job = None  # the writer job in flight (a slice, or the switch)
        self.then_switch = False
        self.turn = 0  # bumped whenever the work in flight is dropped: answers of an older turn are ignored

    @property
    def running(self) -> bool:
        return self.job is not None

    def resume_any(self) -> None:
        """Start the first installed model whose sample is not encoded yet (nothing when there is none)."""
        if self.running:
            return
        self.runner.query(partial(_first_unfinished, self.trials, self.sample), on_done=self._found)

    def _found(self, name: str | None) -> None:
        if name is not None and not self.running:
            self.start(name)

    def start(self, name: str, then_switch: bool = False) -> None:
        """Encode what the trial of `name` lacks (every photo with `then_switch`, then switch to it)."""
        self.stop()
        self.name, self.then_switch, self.state = name, then_switch, None
        size = None if then_switch else self.sample
        self.runner.query(partial(self.trials.trial_state, name, size),
                          on_done=partial(self._known, self.turn), on_error=partial(self._failed, self.turn))

    def stop(self) -> None:
        """Stop after the batch being encoded; what was encoded stays, and the next start goes on from there."""
        self.turn += 1
        if self.job is not None:
            self.job.cancel()
            self.job = None

    def _known(self, turn: int, state) -> None:
        if turn != self.turn:
            return
        self.state, self.job = state, None
        self.state_changed.emit(state)
        if not state.photos:
            return
        if not state.complete:
            size = None if self.then_switch else self.sample
            name = self.name
            trials = self.trials
            self.job = self.runner.write(f"Trying {name}", lambda progress, control: trials.encode_trial(
                name, size, progress, control, limit=SLICE, seconds=SLICE_S), on_done=partial(self._known, turn),
                on_error=partial(self._failed, turn))
        elif self.then_switch:
            name = self.name
            trials = self.trials
            self.job = self.runner.write(f"Switching to {name}", lambda progress, control: trials.switch_to(
                name, progress, control, now=False), on_done=partial(self._switched, turn),
                on_error=partial(self._failed, turn))

    def _switched(self, turn: int, report) -> None:
        self.job, self.then_switch = None, False
        self.switched.emit(report)

    def _failed(self, turn: int, exc: BaseException) -> None:
        if turn == self.turn:
            self.job, self.then_switch = None, False
            self.failed.emit(str(exc))


def _first_unfinished(trials: ModelTrialService, sample: int) -> str | None:
    """On a query worker: the first model that can be tried whose sample is not complete. A model that cannot be
    read is left for the Compare models dialog to explain."""
    for name in trials.candidates():
        try:
            state = trials.trial_state(name, sample)
        except PhotoTaggerError as exc:
            log.info("not trying %s in the background: %s", name, exc)
            continue
        if state.photos and not state.complete:
            return name
    return None


def attach(window) -> TrialDriver:
    """The window's driver: a finished switch is told in the status bar (the dialog may be closed by then)."""
    driver = TrialDriver(window.app.model_trial_service, window.runner, parent=window)
    driver.switched.connect(lambda report: window.status.show_message(
        f"Switched to {report.model}: {report.adopted} photos are encoded with it already"
        + (f" ({report.to_encode} left for the next index)" if report.to_encode else "")
        + "; Photo Tagger uses it from its next start"))
    return driver
