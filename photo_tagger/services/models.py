"""Models: install one (a folder or the hub) and use it when none is chosen; the ready list with download sizes
and what each installed model costs here; what the first screen needs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from photo_tagger.core.errors import ModelError, PhotoTaggerError
from photo_tagger.core.jobs import JobControl
from photo_tagger.core.ports import Progress
from photo_tagger.infra import model_costs
from photo_tagger.infra.model_catalogue import CATALOGUE, ReadyModel, SizeAnswer, fetch_size, human_bytes
from photo_tagger.infra.model_costs import ModelCosts, costs_of, rate_text
from photo_tagger.infra.model_export import HubDownloadError
from photo_tagger.infra.model_store import InstalledModel, ModelStore
from photo_tagger.infra.ready_models import DEFAULT_READY

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


def check_startup(app) -> Startup:
    from photo_tagger.services.pending_retag import retag_pending

    try:
        model = app.active_model()
    except ModelError as exc:
        # With no model at all the panel's own words say it; otherwise the reason is worth showing.
        return Startup(None, str(exc) if app.models.names() else None, ())
    return Startup(model.name, None, tuple(app.catalog.roots()), bool(retag_pending(app)))


def suggested_name(folder: str) -> str:
    """The name a model installed from `folder` gets unless the user gives another: its own where its files say it
    (manifest, config, a Hugging Face cache's repo id), else the folder's or a parent's name that is not generic
    ("model", "onnx"); "" when none can be made."""
    from photo_tagger.infra.model_store import model_name_for

    try:
        return model_name_for(folder)
    except ModelError:
        return ""


def install_model(app, folder: str, progress: Progress, control: JobControl, name: str | None = None):
    """Install a model from a folder (as `name`, else suggested_name) and make it the one in use when none is
    chosen: a model folder exported by Photo Tagger elsewhere is imported (no torch needed: the packaged app), a
    transformers checkpoint is exported."""
    name = (name or "").strip() or None
    if name is not None and (any(c in name for c in "/\\:") or name.startswith(".")):
        raise ModelError(f"{name!r} cannot name a model: no slashes or colons, and not starting with a dot")
    # What the status bar adds after the job's description ("Installing the model"): not the description again.
    progress.started(None, "copying and checking it; a transformers checkpoint is exported first: a minute or two")
    model = app.models.install_folder(Path(folder), name=name)
    installed = _settle_installed(model, None, **_install_settings(app), progress=progress)
    progress.finished()
    return installed.model


def install_from_hub(app, hub_id: str, progress: Progress, control: JobControl | None):
    """Download a model from the Hugging Face hub and check it (what `photo-tagger model install HUB_ID` does, same
    service), measure its speed here and make it the one in use when none is chosen. `progress` hears the download's
    bytes (started with their total), then the later steps (started with None); `control` can cancel the download
    (core Cancelled; what was fetched is kept and the next install of it resumes). Without network the model store
    raises one ModelError saying what to do instead."""
    progress.started(None, f"downloading {hub_id} from the Hugging Face hub")
    # A ready ONNX model (Immich's layout) needs no torch; a transformers checkpoint is exported.
    installed = install_source(app.models, hub_id, **_install_settings(app), progress=progress, control=control)
    progress.finished()
    return installed.model


def _install_settings(app) -> dict:
    """What an install reads and writes of the settings (the window's adapter; the CLI has its own)."""
    return {
        "device": app.settings.device,
        "threads": app.settings.threads,
        "chosen_model": app.settings.model,
        "choose_model": lambda name: app.update_settings(model=name),
    }


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


@dataclass(frozen=True)
class InstalledRow:
    """One installed model in a model list: its costs here, or why it cannot be used."""

    name: str
    active: bool
    costs: ModelCosts | None
    problem: str
    source: str


def installed_models(app) -> list[InstalledRow]:
    """Every installed model with what it costs here (the CLI's `model list` and the window's Models dialog)."""
    try:
        active = app.active_model().name
    except ModelError:
        active = ""
    return [
        InstalledRow(
            name,
            name == active,
            model_costs.costs_of(model) if model else None,
            problem,
            model.manifest.get("source", "") if model else "",
        )
        for name, model, problem in app.models.list()
    ]


def measure_again(app, name: str, progress: Progress | None = None, control: JobControl | None = None):
    """`model measure NAME` and the Models dialog's button: images/s measured anew (e.g. after a new GPU)."""
    model = app.models.get(name)
    model.check_files()
    if progress is not None:
        progress.started(None, f"measuring the speed of {name} on this computer")
    speed = model_costs.measure_speed(model, device=app.settings.device, threads=app.settings.threads)
    model = model_costs.record(model, measured=speed, languages=model_costs.languages_of(model))
    if progress is not None:
        progress.finished()
    return model


def remove_model(app, name: str, force: bool = False) -> str:
    """`model remove NAME` and the window's Remove: a tried model goes with its trial's vectors; the model in use is
    refused (its photos would all wait to be re-encoded, and searches find nothing until then) unless `force`.
    Returns what was done, in one line."""
    from photo_tagger.services.model_trial import has_trial, remove_tried

    try:
        active = app.active_model().name
    except ModelError:
        active = ""
    if name != active:
        if has_trial(app, name):
            remove_tried(app, name)
            return f"Removed {name} and the vectors its trial made"
        app.models.remove(name)
        return f"Removed {name}"
    encoded = app.catalog.count_embedded(app.model_key())
    if encoded and not force:
        others = [n for n in app.models.names() if n != name]
        other = others[0] if len(others) == 1 else "OTHER"
        raise ModelError(
            f"{name} is in use: removing it would leave {encoded} photo{'s' if encoded != 1 else ''} to "
            f"re-encode; `photo-tagger model use {other}` first, or --force"
        )
    app.models.remove(name)
    if app.settings.model == name:
        app.update_settings(model="")
    log.warning("removed the model in use, %s: %d photos wait to be re-encoded by the next model", name, encoded)
    return f"Removed {name}" + (
        f"; its {encoded} photos wait to be re-encoded by the next model used" if encoded else ""
    )


def model_precisions(app) -> tuple[str, ...]:
    """The active model's image-encoder precisions (fp32 only when no model can be read)."""
    try:
        return app.active_model().precisions
    except PhotoTaggerError:
        return ("fp32",)


@dataclass(frozen=True)
class Installed:
    """A model just installed (or imported): measured here, in use when settings named none."""

    model: InstalledModel
    costs: ModelCosts
    in_use: bool
    new_content: bool  # it replaced a model of the same name whose files differ: its photos are re-encoded


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


@dataclass(frozen=True)
class Switched:
    model: str
    adopted: int | None  # photos that keep the vectors its trial made (None: it had no trial)
    to_encode: int | None  # photos the next index encodes with it


def use_model(
    app,
    name: str,
    *,
    now: bool = False,
    progress: Progress | None = None,
    control: JobControl | None = None,
    before_encoding: Callable[[object], None] | None = None,
) -> Switched:
    """`photo-tagger model use NAME`: unless `now`, every photo is first encoded with it as a trial of the whole
    library (resumable: a stop keeps what was encoded; `before_encoding(state)` hears what is left), the model in
    use serving searches and tags meanwhile; then the switch keeps what its trial encoded
    (services/model_trial.py). Composes the trial services, which read the library through `app`."""
    from photo_tagger.services import model_trial

    model = app.models.get(name)
    model.check_files()
    current = _active_name(app)
    if not now and current not in ("", model.name):
        state = model_trial.trial_state(app, model.name, None)
        if not state.complete:
            if before_encoding is not None:
                before_encoding(state)
            model_trial.encode_trial(app, model.name, None, progress, control or JobControl())
    if model.name != _active_name(app) and model_trial.has_trial(app, model.name):
        report = model_trial.switch_to(app, model.name)
        return Switched(model.name, report.adopted, report.to_encode)
    app.update_settings(model=model.name)
    return Switched(model.name, None, None)


def _active_name(app) -> str:
    try:
        return app.active_model().name
    except ModelError:
        return ""


@dataclass(frozen=True)
class Trial:
    state: object  # model_trial.TrialState after the encoding
    comparison: object  # core.model_comparison.ModelComparison
    paths: dict[str, str]  # photo id -> path, of the photos the comparison names


def try_model(
    app,
    name: str,
    sample: int,
    *,
    every_photo: bool = False,
    progress: Progress | None = None,
    control: JobControl | None = None,
    before_encoding: Callable[[object], None] | None = None,
) -> Trial:
    """`photo-tagger model try NAME`: encode a sample of the library with it, then
    compare its tags and the recent searches with the model in use on `sample` photos (services/model_trial.py).
    `every_photo`: encode every photo, so that `model use NAME` encodes nothing again."""
    from photo_tagger.services import model_trial

    size = None if every_photo else sample
    state = model_trial.trial_state(app, name, size)
    if not state.photos:
        raise ModelError(f"no photo is indexed with {state.current} yet: index a folder first")
    if before_encoding is not None:
        before_encoding(state)
    if not state.complete:
        state = model_trial.encode_trial(app, name, size, progress, control or JobControl())
    result = model_trial.compare(app, name, sample)
    return Trial(state, result, {i: r.path for i, r in model_trial.photo_records(app, result).items()})
