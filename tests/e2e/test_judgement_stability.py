"""Issue 19 §4: decisions stay the same when nothing changed. An index run leaves the tags a retag gives, and a
few photos added do not move the tags of the photos already there (the trained shapes CLIP, held-out photos)."""

from photo_tagger.app import App
from photo_tagger.core.labels import Label, LabelSet, ModerationCategory
from tests.fixture_models.shapes import COLORS, SHAPES, caption
from tests.judged_library import stored

SEED = 50_001  # not a seed any other shapes set uses


def _labels() -> LabelSet:
    """Colour and shape labels with the default template (their borderline photos are many: the hard case), the
    joint ones with the model's captions, and a custom category."""
    triangles = ModerationCategory("triangles", ("a photo of a triangle",),
                                   tuple(f"a photo of a {s}" for s in SHAPES if s != "triangle"), threshold=0.5)
    joint = [Label(f"{c} {s}", (caption(c, s),)) for c in COLORS for s in SHAPES]
    return LabelSet(labels=tuple([Label(n) for n in (*COLORS, *SHAPES)] + joint), moderation=(triangles,),
                    templates=("a photo of a {}.",))


def test_index_leaves_what_a_retag_gives_and_a_few_new_photos_churn_nothing(cli, tmp_path, model_depot):
    from tests.conftest import _home_with
    from tests.fixture_models.checkpoints import heldout_shapes

    home, first, later = tmp_path / "home", tmp_path / "photos", tmp_path / "photos" / "later"
    home.mkdir()
    later.mkdir(parents=True)
    _home_with(model_depot, home, "shapes")
    app = App.from_home(home)
    app.save_labels(_labels())
    app.close()
    photos = heldout_shapes(200, seed=SEED)
    for i, (image, _, _) in enumerate(photos[:192]):
        image.save(first / f"{i:03d}.jpg", quality=95)
    assert cli("--home", home, "index", str(first)).returncode == 0
    indexed = stored(home)
    assert any(t.tags for t in indexed.values()) and any(t.flags for t in indexed.values())

    result = cli("--home", home, "retag")
    assert result.returncode == 0 and "(0 changed)" in result.out, result.out
    assert stored(home) == indexed

    for i, (image, _, _) in enumerate(photos[192:], 192):  # 8 more photos (4%): the reference stays
        image.save(later / f"{i:03d}.jpg", quality=95)
    assert cli("--home", home, "index", str(first)).returncode == 0
    after = stored(home)
    assert len(after) == 200
    churned = [p for p in indexed if after[p] != indexed[p]]
    assert churned == []
    assert "(0 changed)" in cli("--home", home, "retag").out
