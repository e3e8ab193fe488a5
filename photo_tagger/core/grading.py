"""Search hits graded "strong" or "weak" against the library, with the rule tags use (core/calibration.py).

A hit is strong when the query stands out on that photo the way a label must to tag it: its cosine reaches the
library's background level plus LEVEL_K spreads, and it beats every everyday word the query does not itself
name. One fixed cosine cut-off fails across queries (immich#5996); this one is relative to the library and to
the photo. A query about something the library lacks gets no strong hit; the hits still come, as "closest".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from photo_tagger.core import calibration
from photo_tagger.core.calibration import Background, Reference

STRONG, WEAK = "strong", "weak"
GRADE_RANK = 0  # a strong hit beats every everyday word the query does not name (tags may lose to a few)
NEG_Z, NEG_RANK = 2.0, 10  # a minus term leaves a photo out past both bars (shows_clearly; measured in RESULTS.md)


@dataclass(frozen=True)
class Grader:
    background: Background
    reference: Reference  # the library's overall level: used when the library is too small for a query's own
    sample_top: tuple[np.ndarray, np.ndarray] | None = None  # background_top of a library sample

    def grade(self, query: str, query_vector: np.ndarray, hit_vectors: np.ndarray) -> list[str]:
        """One grade per hit row, from the hits' stored embeddings (no image is read)."""
        return [STRONG if c >= 0.5 else WEAK for c in self.confidence(query, query_vector, hit_vectors)]

    def confidence(self, query: str, query_vector: np.ndarray, hit_vectors: np.ndarray) -> np.ndarray:
        """0..1 per hit row, >= 0.5 where the hit is strong (a search's minus terms use it with their own bar)."""
        if not len(hit_vectors):
            return np.zeros(0)
        hit_vectors = np.asarray(hit_vectors, np.float32)
        excluded = calibration.exclusions(self.background, [query.strip()], [np.asarray(query_vector)[None]])[0]
        reference = self.reference
        if self.sample_top is not None:  # the query's own level: the words it competes with, over the library
            reference = calibration.reference_of(
                calibration.competitor(*self.sample_top, excluded, GRADE_RANK), len(self.sample_top[0])
            )
        top_vals, top_idx = calibration.background_top(hit_vectors, self.background)
        rival = calibration.competitor(top_vals, top_idx, excluded, GRADE_RANK)
        return calibration.confidence(hit_vectors @ query_vector, rival, reference)


def shows_clearly(
    judge: Grader, sample: np.ndarray, matrix: np.ndarray, term: str, term_vector: np.ndarray, weight: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """A search's minus term against each row of `matrix` (candidates' embeddings): (whether the photo clearly shows
    it, its cosine with the term in robust spreads above the library's median for that term).

    Clearly: the z stands NEG_Z above the median, and the term is among the photo's NEG_RANK strongest everyday
    words (core/background.py). Both tests are needed: the first alone drops a few percent of any library for a
    term it does not hold, the second alone is noisy per photo. A weight w divides the first bar and multiplies the
    second (-2:people is stricter)."""
    from photo_tagger.core.search_rank import MIN_SPREAD

    on_library = sample @ term_vector
    median = float(np.median(on_library))
    spread = max(float(1.4826 * np.median(np.abs(on_library - median))), MIN_SPREAD)
    cosine = matrix @ term_vector
    z = (cosine - median) / spread
    excluded = calibration.exclusions(judge.background, [term], [term_vector[None]])[0]
    everyday = matrix @ judge.background.everyday_matrix[~excluded[judge.background.everyday_mask]].T
    rank = (everyday > cosine[:, None]).sum(axis=1)
    return (z >= NEG_Z / weight) & (rank < NEG_RANK * weight), z


def grader(text_encoder, library_sample: np.ndarray) -> Grader:
    bg = calibration.background(text_encoder)
    enough = len(library_sample) >= calibration.MIN_PHOTOS
    return Grader(
        bg,
        calibration.reference(library_sample, bg),
        calibration.background_top(np.asarray(library_sample, np.float32), bg) if enough else None,
    )


def grade_ids(catalog, text_encoder, model_name: str, query: str, ids: list[str]) -> list[str]:
    """ "strong" / "weak" for each of these photos (search hits) from their stored embeddings; a photo with no
    stored embedding here (another computer's, in a shared library) is "weak"."""
    from photo_tagger.core.training import library_sample

    if not ids:
        return []
    vectors = catalog.vectors(model_name, ids)
    judge = grader(text_encoder, library_sample(catalog, model_name, catalog.filter_ids(model_name)))
    query_vector = text_encoder.encode_texts([query.strip()])[0]
    present = [k for k, i in enumerate(ids) if i in vectors]
    grades = [WEAK] * len(ids)
    if present:
        found = judge.grade(query, query_vector, np.stack([vectors[ids[k]] for k in present]))
        for k, grade in zip(present, found):
            grades[k] = grade
    return grades
