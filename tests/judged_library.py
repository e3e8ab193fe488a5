"""Indexed libraries on the trained fixture models for the end-to-end judgement tests, and what they decided."""

from __future__ import annotations

from pathlib import Path

from photo_tagger.app import App
from photo_tagger.core.labels import LabelSet
from photo_tagger.core.tagging import TagDecision, effective


def library_home(tmp_path_factory, model_depot, name: str, model: str) -> tuple[Path, Path]:
    """(home, photo folder) of a new library that uses the depot's `model` ("shapes", "world")."""
    from tests.conftest import _home_with

    root = tmp_path_factory.mktemp(name)
    home, folder = root / "home", root / "photos"
    home.mkdir()
    folder.mkdir()
    _home_with(model_depot, home, model)
    return home, folder


def index(home: Path, folder: Path) -> None:
    from photo_tagger.cli.main import run

    assert run(["--home", str(home), "index", str(folder)]) == 0


def shapes_library(tmp_path_factory, model_depot, name: str, seed: int, per_class: int):
    """(home, folder, path -> (colour, shape)) of one indexed library of held-out shapes photos, `per_class` of
    each colour x shape."""
    from tests.fixture_models.checkpoints import heldout_shapes
    from tests.fixture_models.shapes import CLASSES

    home, folder = library_home(tmp_path_factory, model_depot, name, "shapes")
    truth = {}
    for i, (image, color, shape) in enumerate(heldout_shapes(per_class * len(CLASSES), seed=seed)):
        path = folder / f"{i:03d}.jpg"
        image.save(path, quality=95)
        truth[str(path)] = (color, shape)
    index(home, folder)
    return home, folder, truth


def use_labels(cli, home, labels: LabelSet) -> dict:
    """Save `labels`, retag through the CLI; what is stored after (see stored)."""
    app = App.from_home(home)
    app.save_labels(labels)
    app.close()
    result = cli("--home", home, "retag")
    assert result.returncode == 0, result.err
    return stored(home)


def stored(home) -> dict:
    """path -> (effective tags, effective flags)."""
    app = App.from_home(home)
    try:
        records = {r.id: r.path for r in app.catalog.records()}
        decisions, choices = app.catalog.decisions(records), app.catalog.choices(records)
        return {path: effective(decisions.get(i, TagDecision()), choices.get(i)) for i, path in records.items()}
    finally:
        app.close()


def precision_recall(tags: dict, truth: dict, names, paths=None) -> tuple[float, float]:
    paths = list(paths or truth)
    given = {(p, t) for p in paths for t in tags[p].tags if t in names}
    gold = {(p, n) for p in paths for n in names if set(n.split()) <= set(truth[p])}
    hits = len(given & gold)
    return hits / max(len(given), 1), hits / len(gold)


def teach(cli, home, truth: dict, word: str, colours: set[str], count: int = 10) -> tuple[list[str], list[str]]:
    """Add `word` to `count` photos of these colours and remove it from `count` others (a seeded pick), through
    the CLI; returns (added, removed)."""
    import random

    paths = sorted(truth)
    random.Random(0).shuffle(paths)
    added = [p for p in paths if truth[p][0] in colours][:count]
    removed = [p for p in paths if truth[p][0] not in colours][:count]
    for p in added:
        assert cli("--home", home, "tag", p, "--add", word).returncode == 0
    for p in removed:
        assert cli("--home", home, "tag", p, "--remove", word).returncode == 0
    return added, removed
