"""Models: install one (a folder or the hub) and use it when none is chosen; what the first screen needs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from photo_tagger.core.errors import ModelError, PhotoTaggerError
from photo_tagger.core.jobs import JobControl
from photo_tagger.core.ports import Progress


@dataclass(frozen=True)
class Startup:
    """What the first screen depends on: a usable model, and whether any folder is watched yet."""

    model: str | None
    model_problem: str | None
    roots: tuple[str, ...]


def check_startup(app) -> Startup:
    try:
        model = app.active_model()
    except ModelError as exc:
        # With no model at all the panel's own words say it; otherwise the reason is worth showing.
        return Startup(None, str(exc) if app.models.names() else None, ())
    return Startup(model.name, None, tuple(app.catalog.roots()))


def install_model(app, folder: str, progress: Progress, control: JobControl):
    """Install a model from a folder and make it the one in use when none is chosen: a model folder exported by
    Photo Tagger elsewhere is imported (no torch needed: the packaged app), a transformers checkpoint is exported."""
    # What the status bar adds after the job's description ("Installing the model"): not the description again.
    progress.started(None, "copying and checking it; a transformers checkpoint is exported first: a minute or two")
    model = app.models.install_folder(Path(folder))
    use_if_none_chosen(app, model)
    progress.finished()
    return model


def install_from_hub(app, hub_id: str, progress: Progress, control: JobControl):
    """Download a CLIP checkpoint from the Hugging Face hub, export and check it (what `photo-tagger model install
    HUB_ID` does, same service) and make it the one in use when none is chosen. Without network the model store
    raises one ModelError saying what to do instead."""
    progress.started(None, f"downloading {hub_id} from the Hugging Face hub and checking it: a few minutes")
    model = app.models.install(hub_id)  # a ready ONNX model (Immich's layout) needs no torch; a checkpoint is exported
    use_if_none_chosen(app, model)
    progress.finished()
    return model


def use_if_none_chosen(app, model) -> None:
    """A model just installed becomes the one in use when settings name none."""
    if not app.settings.model:
        app.update_settings(model=model.name)


def model_precisions(app) -> tuple[str, ...]:
    """The active model's image-encoder precisions (fp32 only when no model can be read)."""
    try:
        return app.active_model().precisions
    except PhotoTaggerError:
        return ("fp32",)
