"""One ranking for every way a photo can match a query: by meaning (CLIP), by the text in it, by tag, by file name.

Order (services/search.py gathers the evidence):
1. photos whose recognised text holds every word of the query, best text match (bm25) first;
2. then strong hits before weak ones, a strong hit being one that
   - holds every word in its text (or the quoted text), or
   - has every tag the query names, when those tags say all the query says, or
   - has every word of the query in its file name, or
   - matches by meaning as a label must to tag it (core/grading.py);
3. within each, more kinds of evidence first (a tag naming only part of the query does not count), then the
   meaning score (cosine).
Text and names match whole words (text also by prefix: weak unless the meaning is strong). A photo that
matches a minus term by any of the four ways is left out, and one that leans towards it is pushed down
(left_out; the test by meaning is core/grading.py shows_clearly). services/search.py only fetches the candidates,
their stored embeddings and their text, tag and name matches, and calls `rank`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

MEANING, TEXT, TAG, NAME = "meaning", "text", "tag", "name"
SNIPPET_CHARS = 60
# A term's spread over the library, below which it is not trusted to say how much its cosines vary.
MIN_SPREAD = 1e-3


@dataclass
class Evidence:
    """What is known of one candidate photo."""

    score: float  # cosine with the query's combined vector
    meaning_strong: bool = False
    text_rank: float | None = None  # bm25 of a match of every word (lower is better); None: no such match
    text_prefix: bool = False  # every word matches the start of a word in its text
    tags: tuple[str, ...] = ()  # the tags the query names that it has
    all_tags: bool = False  # it has every tag the query names (and the query names one)
    name: bool = False
    quoted: bool = False  # its text holds the query's quoted text (then every hit does: a must-match)
    push: float = 0.0  # how far minus terms push it down, in cosine units of the query

    @property
    def strong(self) -> bool:
        return self.meaning_strong or self.text_rank is not None or self.all_tags or self.name or self.quoted

    @property
    def reasons(self) -> tuple[str, ...]:
        return self._evidence() or (MEANING,)  # a weak hit is there for its meaning alone: the closest ones

    def _evidence(self) -> tuple[str, ...]:
        found = []
        if self.meaning_strong:
            found.append(MEANING)
        if self.text_rank is not None or self.text_prefix or self.quoted:
            found.append(TEXT)
        if self.tags:
            found.append(TAG)
        if self.name:
            found.append(NAME)
        return tuple(found)

    def key(self) -> tuple:
        text_first = self.text_rank is not None
        # A tag naming only part of the query is listed as a reason but does not lift the photo: "3:red star"
        # wants red things first, not every star.
        weight = len(self._evidence()) - (bool(self.tags) and not self.all_tags)
        return (
            not text_first,
            not self.strong,
            -weight,
            self.text_rank if text_first else 0.0,
            -(self.score - self.push),
        )


def is_match(grade: str, reasons) -> bool:
    """Whether a hit counts as a match where the window says how many photos match: a strong hit, or one found by
    the text in it or its file name (a prefix of a word in its text included: "pharm" finds PHARMACY). Such hits
    sort before the weak meaning-only ones (Evidence.key), so the matches stay one block."""
    return grade == "strong" or TEXT in reasons or NAME in reasons


def order(evidence: dict[str, Evidence]) -> list[str]:
    """Ids best first (see the module's docstring)."""
    return sorted(evidence, key=lambda i: evidence[i].key())


def spreads(vectors: np.ndarray, library_sample: np.ndarray) -> np.ndarray:
    """Robust spread (1.4826 MAD) of each vector's cosines over a library sample; ones for a sample too small to
    tell (then terms add as they are)."""
    from photo_tagger.core.calibration import MIN_PHOTOS

    vectors = np.atleast_2d(np.asarray(vectors, np.float32))
    if len(library_sample) < MIN_PHOTOS:
        return np.ones(len(vectors), np.float32)
    cos = np.asarray(library_sample, np.float32) @ vectors.T  # (N, k)
    spread = 1.4826 * np.median(np.abs(cos - np.median(cos, axis=0)), axis=0)
    return np.maximum(spread, MIN_SPREAD).astype(np.float32)


def combine(vectors: np.ndarray, weights, spread: np.ndarray) -> np.ndarray:
    """One query vector from several terms (text or a photo's embedding): sum of weight x unit vector / its spread
    over the library, normalised. Photos are unit vectors, so ranking by the cosine with it is ranking by
    sum(weight x (cosine with the term - the term's library median) / its spread): each term has its weight's
    say measured in its own units, so a photo's embedding (image-image cosines vary widely) does not drown the
    words beside it (image-text cosines vary in a narrow band)."""
    vectors = np.atleast_2d(np.asarray(vectors, np.float32))
    vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    total = (np.asarray(weights, np.float32)[:, None] / np.asarray(spread, np.float32)[:, None] * vectors).sum(axis=0)
    norm = float(np.linalg.norm(total))
    return (total / norm if norm > 0 else vectors[0]).astype(np.float32)


def name_words(path: str) -> set[str]:
    """The words of a file's name (not its folders, not its extension), lower case: IMG_2024-beach.jpg gives img,
    2024, beach; camelCase splits too."""
    stem = os.path.splitext(os.path.basename(path))[0]
    stem = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", stem)
    return {w.lower() for w in re.findall(r"[^\W_]+", stem)}


def words_of(text: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[^\W_]+", text)]


def name_matches(path: str, words) -> bool:
    """Every word of the query (its letters and digits) is a word of the file's name."""
    wanted = [w for word in words for w in words_of(word)]
    return bool(wanted) and set(wanted) <= name_words(path)


def tags_named(query_text: str, tags) -> list[str]:
    """The tags whose name appears in the query as whole words (multi-word tags too), case-insensitive."""
    said = " " + " ".join(words_of(query_text)) + " "
    return [t for t in tags if words_of(t) and f" {' '.join(words_of(t))} " in said]


def spans(text: str, needles) -> list[tuple[int, int]]:
    """Where words or phrases of a search occur in `text`: case-insensitive, starting at a word's start (a prefix
    counts, as it does in the text search), merged and sorted."""
    found = []
    for needle in needles:
        parts = [re.escape(p) for p in needle.split()]
        if not parts or not any(c.isalnum() for c in needle):
            continue
        pattern = r"(?<![^\W_])" + r"\s+".join(parts)
        found += [m.span() for m in re.finditer(pattern, text, re.IGNORECASE) if m.end() > m.start()]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def snippet(text: str, needles, width: int = SNIPPET_CHARS) -> str:
    """A line of `text` around its first match, whitespace tidied, with "..." where it was cut."""
    text = " ".join(text.split())
    found = spans(text, needles)
    if not found:
        return text[:width] + ("..." if len(text) > width else "")
    start, end = found[0]
    left = max(0, start - (width - (end - start)) // 2)
    right = min(len(text), max(end, left + width))
    if left and (space := text.find(" ", left, start)) >= 0:  # whole words at the edges
        left = space + 1
    if right < len(text) and (space := text.rfind(" ", end, right)) >= 0:
        right = space
    return ("..." if left else "") + text[left:right] + ("..." if right < len(text) else "")


@dataclass
class Gathered:
    """What services/search.py fetched for one query: its candidates and every match it found for them."""

    ids: list[str]  # candidates, in the order found
    scores: dict[str, float]  # meaning score (cosine with the query vector) where known
    present: list[str]  # candidates with a stored embedding here, the rows of `matrix`
    matrix: np.ndarray  # (len(present), D) their embeddings
    text_rank: dict[str, float] = field(default_factory=dict)  # every word in its text: bm25 (lower is better)
    prefixed: set[str] = field(default_factory=set)  # every word starts a word of its text
    named_tags: list[str] = field(default_factory=list)  # the tags the query names
    tags_of: dict[str, set] = field(default_factory=dict)  # candidate -> the named tags it has
    names: set[str] = field(default_factory=set)  # every word in its file name
    quoted: bool = False  # the query has quoted text: every candidate holds it


@dataclass(frozen=True)
class Minus:
    """What the minus terms need beyond the candidates: each term's text vector (None where the library sample is
    too small to tell), and the candidates whose text says a minus term or excluded quoted text."""

    vectors: Sequence[np.ndarray | None] = ()
    said: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Ranked:
    ids: list[str]  # best first, at most the limit
    evidence: dict[str, Evidence]
    shown: dict[str, float]  # the score to show per id
    grades: dict[str, str]  # "strong" / "weak" per id; "" where not graded
    left_out: int  # candidates a minus term or excluded quoted text took out


def minus_by_meaning(sample: np.ndarray) -> bool:
    """Whether minus terms are judged by meaning too: a library sample large enough to know a term's level."""
    from photo_tagger.core.calibration import MIN_PHOTOS

    return len(sample) >= MIN_PHOTOS


def left_out(
    negatives, candidates: Mapping, present: list[str], matrix: np.ndarray, minus: Minus, judge, sample: np.ndarray
) -> tuple[set[str], dict[str, float]]:
    """What the minus terms do to the candidates (id -> SearchHit: its tags and path): the ones they leave out,
    and how far (in spreads of the query) each other one is pushed down.

    Out: the photo's text or file name says the term, or it has it as a tag, or it clearly shows it
    (core/grading.py shows_clearly). Down: once a term has left a photo out (it means something in this library),
    the rest lose w x (their spreads above the term's median), so a photo that is a bit more "people" ranks a bit
    lower; a term the model does not know moves nothing. Quoted text with a minus: out when its text says it."""
    from photo_tagger.core.grading import shows_clearly

    out: set[str] = set(minus.said) & set(candidates)
    push: dict[str, float] = {}
    for term, vector in zip(negatives, minus.vectors):
        if vector is not None and present and minus_by_meaning(sample):
            clear, z = shows_clearly(judge, sample, matrix, term.text, vector, term.weight)
            out |= {i for i, c in zip(present, clear) if c}
            if clear.any():  # the term means something here: the rest lean towards it or not
                for i, zi in zip(present, z):
                    if zi > 0:
                        push[i] = push.get(i, 0.0) + term.weight * float(zi)
        lowered = term.text.lower()
        out |= {
            i
            for i, h in candidates.items()
            if lowered in (t.lower() for t in h.tags) or name_matches(h.record.path, [term.text])
        }
    return out, push


def rank(
    query,
    gathered: Gathered,
    candidates: Mapping,
    query_vector: np.ndarray,
    judge,
    sample: np.ndarray,
    minus: Minus,
    limit: int,
    *,
    graded: bool,
) -> Ranked:
    """Grade the candidates (id -> SearchHit), drop what the minus terms and excluded quoted text rule out, and
    order the rest (see the module's docstring). `graded`: a search (grades, kinds of evidence); otherwise "like
    this photo, but..." (ordered and shown by the score less the minus terms' push)."""
    from photo_tagger.core.grading import STRONG, WEAK

    present, matrix = gathered.present, gathered.matrix
    strong: set[str] = set()
    if graded and present:
        grade_text = " ".join(t.text for t in query.meaning_terms)
        strong = {i for i, c in zip(present, judge.confidence(grade_text, query_vector, matrix)) if c >= 0.5}
    out, push = left_out(query.negatives, candidates, present, matrix, minus, judge, sample)
    query_spread = float(spreads(query_vector, sample)[0])
    # Tags make a hit strong only when they say all the query says ("beach sunset", not "a red circle" for the
    # tag circle: a blue circle has it too).
    named = gathered.named_tags
    covering = bool(named) and set(words_of(" ".join(query.words))) <= set(words_of(" ".join(named)))
    evidence = {}
    for i, hit in candidates.items():
        if i in out:
            continue
        tags = gathered.tags_of.get(i, set())
        evidence[i] = Evidence(
            score=gathered.scores.get(i, hit.score),
            push=push.get(i, 0.0) * query_spread,
            meaning_strong=i in strong,
            text_rank=gathered.text_rank.get(i),
            text_prefix=i in gathered.prefixed,
            tags=tuple(sorted(tags)),
            all_tags=covering and tags >= set(named),
            name=i in gathered.names,
            quoted=gathered.quoted,
        )
    ordered = order(evidence)[:limit]
    # "Like this photo, but...": its order is the score less the minus terms' push, and that is the score shown
    # (a photo pushed down showed its higher cosine, out of order). A search shows the cosine: its order is by kinds
    # of evidence first, and the grid says why ("by text").
    shown = {i: evidence[i].score if graded else evidence[i].score - evidence[i].push for i in ordered}
    grades = {i: (STRONG if evidence[i].strong else WEAK) if graded else "" for i in ordered}
    return Ranked(ordered, evidence, shown, grades, len(out))
