"""Models: install one (a folder or the hub) and use it when none is chosen; the ready list with download sizes
and what each installed model costs here; what the first screen needs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from photo_tagger.core.errors import ModelError, PhotoTaggerError
from photo_tagger.core.jobs import JobControl
from photo_tagger.core.ports import Progress
from photo_tagger.infra import model_costs
from photo_tagger.infra.model_catalogue import CATALOGUE, ReadyModel, SizeAnswer, fetch_size, human_bytes
from photo_tagger.infra.model_costs import ModelCosts, costs_of, rate_text
from photo_tagger.infra.model_export import HubDownloadError
from photo_tagger.infra.model_store import InstalledModel, ModelStore
from photo_tagger.infra.ready_models import DEFAULT_READY

if TYPE_CHECKING:
    from photo_tagger.config import Settings
    from photo_tagger.core.model_comparison import ModelComparison
    from photo_tagger.core.ports import Catalog
    from photo_tagger.services.model_trial import ModelTrialService, TrialState

# What the CLI and the window show about models, from here (they do not reach into infra/ themselves).
__all__ = ["DEFAULT_READY", "HubDownloadError", "costs_of", "human_bytes", "rate_text"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Startup:
    """What the first screen depends on: a usable model, and whether any folder is watched yet."""

    model: str | None
    model_problem: str | None
    roots: tuple[str, ...]
    retag_pending: bool = False  # a label edit was interrupted before its retag ended (services/pending_retag.py)


@dataclass(frozen=True)
class InstalledRow:
    """One installed model in a model list: its costs here, or why it cannot be used."""

    name: str
    active: bool
    costs: ModelCosts | None
    problem: str
    source: str
    model: InstalledModel | None = field(default=None, compare=False)  # None: it cannot be read


@dataclass(frozen=True)
class Installed:
    """A model just installed (or imported): measured here, in use when settings named none."""

    model: InstalledModel
    costs: ModelCosts
    in_use: bool
    new_content: bool  # it replaced a model of the same name whose files differ: its photos are re-encoded


@dataclass(frozen=True)
class Switched:
    model: str
    adopted: int | None  # photos that keep the vectors its trial made (None: it had no trial)
    to_encode: int | None  # photos the next index encodes with it


@dataclass(frozen=True)
class Trial:
    state: TrialState  # after the encoding
    comparison: ModelComparison
    paths: dict[str, str]  # photo id -> path, of the photos the comparison names


class ModelService:
    """The installed models: install (a folder, the hub, any source), list with their costs here, measure, use,
    try, remove; what the first screen needs. The catalog and the model in use are reached on use: installing or
    listing models opens neither the library nor a model."""

    def __init__(
        self,
        *,
        models: ModelStore,
        settings: Callable[[], Settings],
        update_settings: Callable[..., None],
        active_model: Callable[[], InstalledModel],
        model_key: Callable[[], str],
        catalog: Callable[[], Catalog],
        trials: Callable[[], ModelTrialService],
        retag_pending: Callable[[], str],
    ) -> None:
        self._models = models
        self._settings = settings
        self._update_settings = update_settings
        self._active_model = active_model
        self._model_key = model_key
        self._catalog = catalog
        self._trials = trials  # reached on use: only trying, using and removing a model import the trial's code
        self._retag_pending = retag_pending  # what left a retag undone, "" when none is owed (services/pending_retag)

    def check_startup(self) -> Startup:
        try:
            model = self._active_model()
        except ModelError as exc:
            # With no model at all the panel's own words say it; otherwise the reason is worth showing.
            return Startup(None, str(exc) if self._models.names() else None, ())
        return Startup(model.name, None, tuple(self._catalog().roots()), bool(self._retag_pending()))

    def names(self) -> list[str]:
        """The installed models' names."""
        return self._models.names()

    def install_model(
        self, folder: str, progress: Progress, control: JobControl | None, name: str | None = None
    ) -> InstalledModel:
        """Install a model from a folder (as `name`, else suggested_name) and make it the one in use when none is
        chosen: a model folder exported by Photo Tagger elsewhere is imported (no torch needed: the packaged app), a
        transformers checkpoint is exported."""
        name = (name or "").strip() or None
        if name is not None and (any(c in name for c in "/\\:") or name.startswith(".")):
            raise ModelError(f"{name!r} cannot name a model: no slashes or colons, and not starting with a dot")
        # What the status bar adds after the job's description ("Installing the model"): not the description again.
        progress.started(None, "copying and checking it; a transformers checkpoint is exported first: a minute or two")
        model = self._models.install_folder(Path(folder), name=name)
        installed = _settle_installed(model, None, **self._choosing(), progress=progress)
        progress.finished()
        return installed.model

    def install_from_hub(self, hub_id: str, progress: Progress, control: JobControl | None) -> InstalledModel:
        """Download a model from the Hugging Face hub and check it (what `photo-tagger model install HUB_ID` does,
        same service), measure its speed here and make it the one in use when none is chosen. `progress` hears the
        download's bytes (started with their total), then the later steps (started with None); `control` can cancel
        the download (core Cancelled; what was fetched is kept and the next install of it resumes). Without network
        the model store raises one ModelError saying what to do instead."""
        progress.started(None, f"downloading {hub_id} from the Hugging Face hub")
        # A ready ONNX model (Immich's layout) needs no torch; a transformers checkpoint is exported.
        installed = install_source(self._models, hub_id, **self._choosing(), progress=progress, control=control)
        progress.finished()
        return installed.model

    def install(
        self,
        source: str,
        *,
        name: str | None = None,
        int8: bool = False,
        replace: bool = False,
        revision: str | None = None,
        agreement_check: bool = True,
        progress: Progress | None = None,
        on_step: Callable[[str], None] | None = None,
    ) -> Installed:
        """`photo-tagger model install SOURCE` (install_source) measured with, and chosen in, the settings."""
        return install_source(
            self._models,
            source,
            **self._choosing(),
            name=name,
            int8=int8,
            replace=replace,
            revision=revision,
            agreement_check=agreement_check,
            progress=progress,
            on_step=on_step,
        )

    def import_folder(
        self,
        folder: Path,
        *,
        name: str | None = None,
        replace: bool = False,
        on_step: Callable[[str], None] | None = None,
    ) -> Installed:
        """`photo-tagger model import FOLDER` (import_model) measured with, and chosen in, the settings."""
        return import_model(self._models, folder, **self._choosing(), name=name, replace=replace, on_step=on_step)

    def _choosing(self) -> dict:
        """What an install reads and writes of the settings: where it measures, and the model in use."""
        settings = self._settings()
        return {
            "device": settings.device,
            "threads": settings.threads,
            "chosen_model": settings.model,
            "choose_model": lambda name: self._update_settings(model=name),
        }

    def installed_models(self) -> list[InstalledRow]:
        """Every installed model with what it costs here (the CLI's `model list` and the window's Models dialog)."""
        active = self._active_name()
        return [
            InstalledRow(
                name,
                name == active,
                model_costs.costs_of(model) if model else None,
                problem,
                model.manifest.get("source", "") if model else "",
                model,
            )
            for name, model, problem in self._models.list()
        ]

    def measure_again(
        self, name: str, progress: Progress | None = None, control: JobControl | None = None
    ) -> InstalledModel:
        """`model measure NAME` and the Models dialog's button: images/s measured anew (e.g. after a new GPU)."""
        model = self._models.get(name)
        model.check_files()
        if progress is not None:
            progress.started(None, f"measuring the speed of {name} on this computer")
        settings = self._settings()
        speed = model_costs.measure_speed(model, device=settings.device, threads=settings.threads)
        model = model_costs.record(model, measured=speed, languages=model_costs.languages_of(model))
        if progress is not None:
            progress.finished()
        return model

    def verify(self, names: list[str]) -> dict[str, list[str]]:
        """`model verify`: each model's files re-hashed against its manifest (verify_models)."""
        return verify_models(self._models, names)

    def remove_model(self, name: str, force: bool = False) -> str:
        """`model remove NAME` and the window's Remove: a tried model goes with its trial's vectors; the model in use
        is refused (its photos would all wait to be re-encoded, and searches find nothing until then) unless
        `force`. Returns what was done, in one line."""
        active = self._active_name()
        if name != active:
            if self._trials().has_trial(name):
                self._trials().remove_tried(name)
                return f"Removed {name} and the vectors its trial made"
            self._models.remove(name)
            return f"Removed {name}"
        encoded = self._catalog().count_embedded(self._model_key())
        if encoded and not force:
            others = [n for n in self._models.names() if n != name]
            other = others[0] if len(others) == 1 else "OTHER"
            raise ModelError(
                f"{name} is in use: removing it would leave {encoded} photo{'s' if encoded != 1 else ''} to "
                f"re-encode; `photo-tagger model use {other}` first, or --force"
            )
        self._models.remove(name)
        if self._settings().model == name:
            self._update_settings(model="")
        log.warning("removed the model in use, %s: %d photos wait to be re-encoded by the next model", name, encoded)
        return f"Removed {name}" + (
            f"; its {encoded} photos wait to be re-encoded by the next model used" if encoded else ""
        )

    def model_precisions(self) -> tuple[str, ...]:
        """The active model's image-encoder precisions (fp32 only when no model can be read)."""
        try:
            return self._active_model().precisions
        except PhotoTaggerError:
            return ("fp32",)

    def check_setting(self, key: str, value: object) -> None:
        """Refuse a model setting the models cannot honour (`photo-tagger settings KEY VALUE`): `model` names an
        installed, intact model (as `model use NAME` checks); `precision` is one the model in use was installed with
        (int8 only when it was). Other settings, and a precision with no model in use, pass."""
        if key == "model" and value:
            self._models.get(str(value)).check_files()
        if key == "precision":
            try:
                model = self._active_model()
            except ModelError:  # none installed yet (or several and none chosen): nothing to check against
                return
            model.image_encoder_file(str(value))  # the model's own check

    def use_model(
        self,
        name: str,
        *,
        now: bool = False,
        progress: Progress | None = None,
        control: JobControl | None = None,
        before_encoding: Callable[[TrialState], None] | None = None,
    ) -> Switched:
        """`photo-tagger model use NAME`: unless `now`, every photo is first encoded with it as a trial of the whole
        library (resumable: a stop keeps what was encoded; `before_encoding(state)` hears what is left), the model in
        use serving searches and tags meanwhile; then the switch keeps what its trial encoded
        (services/model_trial.py)."""
        model = self._models.get(name)
        model.check_files()
        current = self._active_name()
        if not now and current not in ("", model.name):
            state = self._trials().trial_state(model.name, None)
            if not state.complete:
                if before_encoding is not None:
                    before_encoding(state)
                self._trials().encode_trial(model.name, None, progress, control or JobControl())
        if model.name != self._active_name() and self._trials().has_trial(model.name):
            report = self._trials().switch_to(model.name)
            return Switched(model.name, report.adopted, report.to_encode)
        self._update_settings(model=model.name)
        return Switched(model.name, None, None)

    def _active_name(self) -> str:
        try:
            return self._active_model().name
        except ModelError:
            return ""

    def try_model(
        self,
        name: str,
        sample: int,
        *,
        every_photo: bool = False,
        progress: Progress | None = None,
        control: JobControl | None = None,
        before_encoding: Callable[[TrialState], None] | None = None,
    ) -> Trial:
        """`photo-tagger model try NAME`: encode a sample of the library with it, then compare its tags and the
        recent searches with the model in use on `sample` photos (services/model_trial.py). `every_photo`: encode
        every photo, so that `model use NAME` encodes nothing again."""
        size = None if every_photo else sample
        state = self._trials().trial_state(name, size)
        if not state.photos:
            raise ModelError(f"no photo is indexed with {state.current} yet: index a folder first")
        if before_encoding is not None:
            before_encoding(state)
        if not state.complete:
            state = self._trials().encode_trial(name, size, progress, control or JobControl())
        result = self._trials().compare(name, sample)
        return Trial(state, result, {i: r.path for i, r in self._trials().photo_records(result).items()})


def suggested_name(folder: str) -> str:
    """The name a model installed from `folder` gets unless the user gives another: its own where its files say it
    (manifest, config, a Hugging Face cache's repo id), else the folder's or a parent's name that is not generic
    ("model", "onnx"); "" when none can be made."""
    from photo_tagger.infra.model_store import model_name_for

    try:
        return model_name_for(folder)
    except ModelError:
        return ""


def measured(model: InstalledModel, device: str, threads: int, progress: Progress | None = None) -> InstalledModel:
    """Measure the model's images/s on this machine (`device`, `threads`) and note its languages, in its manifest;
    a model whose measuring fails is still installed, only unmeasured (`model measure` retries)."""
    if progress is not None:
        progress.started(None, "measuring its speed on this computer")
    try:
        speed = model_costs.measure_speed(model, device=device, threads=threads)
        return model_costs.record(model, measured=speed, languages=model_costs.languages_of(model))
    except (PhotoTaggerError, OSError) as exc:
        log.warning("could not measure the speed of model %s: %s", model.name, exc)
        return model


def ready_models() -> tuple[ReadyModel, ...]:
    """The short list of ready models offered to install (infra/model_catalogue.py)."""
    return CATALOGUE


def download_size(repo_id: str) -> SizeAnswer:
    """What installing a ready model would download, from the hub ("size unknown: offline" without network)."""
    return fetch_size(repo_id)


def install_source(
    models: ModelStore,
    source: str,
    *,
    device: str,
    threads: int,
    chosen_model: str,
    choose_model: Callable[[str], None],
    name: str | None = None,
    int8: bool = False,
    replace: bool = False,
    revision: str | None = None,
    agreement_check: bool = True,
    progress: Progress | None = None,
    control: JobControl | None = None,
    on_step: Callable[[str], None] | None = None,
) -> Installed:
    """`photo-tagger model install SOURCE`: a ready ONNX model (hub id or folder, no torch) or a transformers
    checkpoint (exported), checked, measured here, and made the one in use (`choose_model`) when settings name
    none (`chosen_model` empty). `progress` hears a download's bytes, then the measuring; `control` can cancel a
    download (what was fetched is kept); `on_step` hears the steps after it ("Measuring its speed...")."""
    before = _installed_key(models, name) if replace else None
    model = models.install(
        source,
        name=name,
        int8=int8,
        replace=replace,
        revision=revision,
        agreement_check=agreement_check,
        progress=progress,
        control=control,
    )
    return _settle_installed(model, before, device, threads, chosen_model, choose_model, on_step, progress)


def import_model(
    models: ModelStore,
    folder: Path,
    *,
    device: str,
    threads: int,
    chosen_model: str,
    choose_model: Callable[[str], None],
    name: str | None = None,
    replace: bool = False,
    on_step: Callable[[str], None] | None = None,
) -> Installed:
    """`photo-tagger model import FOLDER`: a model folder exported by `model install` elsewhere (no torch)."""
    before = _installed_key(models, name or _manifest_name(folder)) if replace else None
    model = models.import_folder(folder, name=name, replace=replace)
    return _settle_installed(model, before, device, threads, chosen_model, choose_model, on_step)


def _settle_installed(
    model: InstalledModel,
    replaced_key: str | None,
    device: str,
    threads: int,
    chosen_model: str,
    choose_model: Callable[[str], None],
    on_step: Callable[[str], None] | None = None,
    progress: Progress | None = None,
) -> Installed:
    if on_step is not None:
        on_step("Measuring its speed on this computer...")
    model = measured(model, device, threads, progress)
    if not chosen_model:
        choose_model(model.name)
    in_use = (chosen_model or model.name) == model.name
    # The library keys embeddings by content (InstalledModel.key): other content under the same name is re-encoded.
    return Installed(model, costs_of(model), in_use, bool(replaced_key and replaced_key != model.key))


def _installed_key(models: ModelStore, name: str | None) -> str | None:
    """The content key of the model installed as `name` now (None: none, or unreadable)."""
    try:
        return models.get(name).key if name else None
    except (ModelError, KeyError, TypeError):
        return None


def _manifest_name(folder: Path) -> str | None:
    import json

    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("name")
    except (OSError, ValueError, AttributeError):
        return None


def verify_models(models: ModelStore, names: list[str]) -> dict[str, list[str]]:
    """`model verify`: each model's files re-hashed against its manifest; its problems ([] : sound)."""
    found = {}
    for name in names:
        try:
            found[name] = models.get(name).verify()
        except ModelError as exc:
            found[name] = [str(exc)]
    return found
