"""The short list of ready models the first-run screen and `model list --available` offer, and their download sizes.

Chosen from Immich's published exports (huggingface.co/immich-app) by Immich's own comparison (docs/features/
searching.md: recall on Crossmodal-3600 per language, time per image on a CPU): the fast default, a more accurate
English model, a fast multilingual one, and a large multilingual one. NLLB models are left out: their text tower
wants a language code before each query, which the app does not add.
"""

from __future__ import annotations

from dataclasses import dataclass

from photo_tagger.core.errors import ModelError
from photo_tagger.infra.ready_models import DEFAULT_READY, download_size


@dataclass(frozen=True)
class ReadyModel:
    """One model of the list: its hub id and what a person choosing needs to know."""

    repo_id: str
    title: str
    good_for: str
    languages: str
    licence: str  # the terms the weights come under, from the upstream model card
    model_card: str  # where those terms are stated (or, for OpenAI's CLIP, not stated)

    @property
    def licence_line(self) -> str:
        return f"Weights: {self.licence} ({self.model_card})"

    @property
    def name(self) -> str:
        return self.repo_id.rsplit("/", 1)[-1]


CATALOGUE: tuple[ReadyModel, ...] = (
    ReadyModel(DEFAULT_READY, "CLIP ViT-B/32 (OpenAI)",
               "The default: the fastest and smallest; a good start on any computer", "English",
               "unclear: OpenAI's model card names no licence and calls deployed use out of scope",
               "https://huggingface.co/openai/clip-vit-base-patch32"),
    ReadyModel("immich-app/ViT-B-16-SigLIP2__webli", "SigLIP 2 ViT-B/16 (Google)",
               "Finds more, more precisely, in English; about 2.5 times slower to index",
               "English and other European languages", "Apache-2.0",
               "https://huggingface.co/google/siglip2-base-patch16-224"),
    ReadyModel("immich-app/XLM-Roberta-Base-ViT-B-32__laion5b_s13b_b90k", "Multilingual CLIP ViT-B/32 (LAION)",
               "Queries in Chinese, Japanese, German and many more, at about the default's speed", "many languages", "MIT",
               "https://huggingface.co/laion/CLIP-ViT-B-32-xlm-roberta-base-laion5B-s13B-b90k"),
    ReadyModel("immich-app/ViT-L-16-SigLIP2-256__webli", "SigLIP 2 ViT-L/16 (Google)",
               "The most accurate here in most languages; about 10 times slower to index than the default",
               "many languages", "Apache-2.0", "https://huggingface.co/google/siglip2-large-patch16-256"),
)


def find(source: str | None) -> ReadyModel | None:
    """The list's entry for a hub id (or a model installed from it), if it is one of them."""
    return next((m for m in CATALOGUE if m.repo_id == source), None)


@dataclass(frozen=True)
class SizeAnswer:
    """A download size from the hub, or why there is none (`text` is what to show either way)."""

    repo_id: str
    size: int | None
    problem: str = ""

    @property
    def text(self) -> str:
        return human_bytes(self.size) if self.size is not None else f"size unknown: {self.problem}"


def fetch_size(repo_id: str, *, endpoint: str | None = None) -> SizeAnswer:
    """Ask the hub for what `model install repo_id` would download; never raises for a hub problem."""
    from photo_tagger.infra.model_export import HubDownloadError

    try:
        return SizeAnswer(repo_id, download_size(repo_id, endpoint=endpoint, timeout=10.0))
    except HubDownloadError:  # no network, offline mode, a hub that does not answer
        return SizeAnswer(repo_id, None, "offline")
    except ModelError:  # not on the hub (or private), no such revision
        return SizeAnswer(repo_id, None, "not on the hub")


def human_bytes(size: int | None) -> str:
    """1.2 GB, 338 MB, 950 kB: decimal units, as the hub and file managers show them."""
    if size is None:
        return "?"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            value = size / scale
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{size} B"
