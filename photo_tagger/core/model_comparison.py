"""Two models side by side on the same photos: the sample a trial encodes, the tags they agree and disagree on,
and each search's top photos (pure: no model, no store)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

SAMPLE_SIZE = 500
SEED = 14  # a fixed seed: a trial stopped and started again picks the same photos


def spread_sample(ids: Sequence[str], size: int, seed: int = SEED, first: Sequence[str] = ()) -> list[str]:
    """Up to `size` of `ids`, spread over their order (give them in path order: every folder and year has its
    share), one drawn at random from each of `size` equal slices. `first` (e.g. the photos the user tagged by
    hand, whose vectors the new model needs to learn from them too) come first and count towards `size`."""
    known = set(ids)
    chosen = list(dict.fromkeys(i for i in first if i in known))[:size]
    taken = set(chosen)
    rest = [i for i in ids if i not in taken]
    wanted = min(size - len(chosen), len(rest))
    if wanted <= 0:
        return chosen
    edges = np.linspace(0, len(rest), wanted + 1)
    rng = np.random.default_rng(seed)
    for low, high in zip(edges[:-1], edges[1:]):
        start, stop = int(low), max(int(high), int(low) + 1)
        chosen.append(rest[int(rng.integers(start, stop))])
    return chosen


@dataclass(frozen=True)
class LabelAgreement:
    """One label over the sample: photos both models tag with it, and those only one of them does."""

    label: str
    both: int
    only_current: int
    only_trial: int


@dataclass(frozen=True)
class Disagreement:
    """A photo the two models tag differently: each model's tags, best first."""

    photo_id: str
    current: tuple[str, ...]
    trial: tuple[str, ...]

    @property
    def only_current(self) -> tuple[str, ...]:
        return tuple(t for t in self.current if t not in self.trial)

    @property
    def only_trial(self) -> tuple[str, ...]:
        return tuple(t for t in self.trial if t not in self.current)


@dataclass(frozen=True)
class SearchTops:
    """One search's best photos with each model, best first, and how many of them are the same photos."""

    query: str
    current: tuple[str, ...]
    trial: tuple[str, ...]

    @property
    def shared(self) -> int:
        return len(set(self.current) & set(self.trial))


@dataclass(frozen=True)
class ModelComparison:
    current_model: str
    trial_model: str
    photos: int  # photos both models decided (the encoded sample)
    agreed: int  # photos given exactly the same tags (none at all included)
    labels: tuple[LabelAgreement, ...] = ()
    disagreements: tuple[Disagreement, ...] = ()
    searches: tuple[SearchTops, ...] = ()
    notes: tuple[str, ...] = field(default=())  # what the reader should know (labels that decide nothing, ...)

    def as_json(self, paths: Mapping[str, str] | None = None) -> dict:
        """For `--json`: photo ids with their paths when `paths` is given."""
        where = (lambda i: {"id": i, "path": paths.get(i)}) if paths is not None else (lambda i: i)
        return {
            "current_model": self.current_model,
            "trial_model": self.trial_model,
            "photos": self.photos,
            "agreed": self.agreed,
            "labels": [asdict(label) for label in self.labels],
            "disagreements": [
                {"photo": where(d.photo_id), "current": list(d.current), "trial": list(d.trial)}
                for d in self.disagreements
            ],
            "searches": [
                {
                    "query": s.query,
                    "shared": s.shared,
                    "current": [where(i) for i in s.current],
                    "trial": [where(i) for i in s.trial],
                }
                for s in self.searches
            ],
            "notes": list(self.notes),
        }


def compare_tags(
    photo_ids: Sequence[str],
    current: Mapping[str, Sequence[str]],
    trial: Mapping[str, Sequence[str]],
    labels: Sequence[str],
) -> tuple[int, tuple[LabelAgreement, ...], tuple[Disagreement, ...]]:
    """(photos with the same tags, per label agreement in `labels` order, the photos tagged differently in
    `photo_ids` order). A photo missing from a side has no tags there."""
    counts = {name: [0, 0, 0] for name in labels}
    agreed, differ = 0, []
    for photo_id in photo_ids:
        mine, theirs = tuple(current.get(photo_id, ())), tuple(trial.get(photo_id, ()))
        for name in set(mine) | set(theirs):
            row = counts.setdefault(name, [0, 0, 0])
            row[0 if name in mine and name in theirs else 1 if name in mine else 2] += 1
        if set(mine) == set(theirs):
            agreed += 1
        else:
            differ.append(Disagreement(photo_id, mine, theirs))
    return agreed, tuple(LabelAgreement(name, *row) for name, row in counts.items()), tuple(differ)


def top_ids(ids: Sequence[str], embeddings: np.ndarray, query: np.ndarray, limit: int) -> tuple[str, ...]:
    """The `limit` photos nearest to `query` (unit vectors: cosine), best first; ties in `ids` order."""
    if not len(ids) or limit < 1:
        return ()
    scores = np.asarray(embeddings, np.float32) @ np.asarray(query, np.float32).reshape(-1)
    order = np.argsort(-scores, kind="stable")[:limit]
    return tuple(ids[k] for k in order)
