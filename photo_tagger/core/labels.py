"""The user's labels and moderation categories: data, defaults, and parsing from plain dicts (TOML)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace

from photo_tagger.core.errors import ConfigError

# A few of the prompt templates of the CLIP paper's ImageNet ensemble; averaging them beats one template.
DEFAULT_TEMPLATES = (
    "a photo of a {}.",
    "a close-up photo of a {}.",
    "a bright photo of a {}.",
    "a photo of the {}.",
    "a good photo of a {}.",
    "a cropped photo of a {}.",
)
DEFAULT_LABELS = (
    "people",
    "portrait",
    "group photo",
    "selfie",
    "baby",
    "child",
    "wedding",
    "party",
    "dog",
    "cat",
    "bird",
    "horse",
    "wildlife",
    "insect",
    "food",
    "drink",
    "dessert",
    "beach",
    "sea",
    "lake",
    "river",
    "mountain",
    "forest",
    "desert",
    "snow",
    "sky",
    "sunset",
    "night",
    "city",
    "street",
    "building",
    "house",
    "interior",
    "garden",
    "flower",
    "tree",
    "car",
    "bicycle",
    "boat",
    "plane",
    "train",
    "concert",
    "sport",
    "document",
    "receipt",
    "screenshot",
    "text",
    "art",
    "painting",
    "map",
)
DEFAULT_MODERATION = {
    "nudity": (
        ["a photo of a naked person", "an explicit nude photo", "a photo of sexual content"],
        ["a photo of a clothed person", "a family photo", "a photo of a landscape"],
    ),
    "violence": (
        ["a photo of violence", "a photo of a bloody injury", "a photo of gore", "a photo of a fight"],
        ["a peaceful photo", "a photo of people smiling", "a photo of a landscape"],
    ),
    "weapons": (
        ["a photo of a gun", "a photo of a weapon", "a photo of a knife attack"],
        ["a photo of a kitchen", "a photo of a tool", "a photo of a toy"],
    ),
    "drugs": (
        ["a photo of illegal drugs", "a photo of drug use", "a photo of a syringe with drugs"],
        ["a photo of medicine", "a photo of food", "a photo of a drink"],
    ),
    "self-harm": (
        ["a photo of self-harm", "a photo of cuts on an arm"],
        ["a photo of a healthy person", "a photo of a bandage", "a photo of a tattoo"],
    ),
}


# Invisible characters that reorder or hide the text around them (bidirectional overrides and isolates): a name
# holding one reads differently from what it is.
_HIDDEN = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def name_problem(name) -> str:
    """Why `name` cannot name a label, category or tag ("" when it can): it must be text, not blank, and hold no
    control character (a terminal escape code starts with one) nor an invisible reordering mark."""
    if not isinstance(name, str) or not name.strip():
        return "needs a name (it is empty)"
    bad = next((c for c in name if unicodedata.category(c) == "Cc" or c in _HIDDEN), None)
    if bad is not None:
        return f"a name may not hold control characters or terminal escape codes (found U+{ord(bad):04X})"
    return ""


def checked_name(name, what: str = "label") -> str:
    """`name` without its outer spaces; ConfigError (one line) when it cannot be a name."""
    problem = name_problem(name)
    if problem:
        raise ConfigError(
            f"{what} {name!r}: {problem}" if isinstance(name, str) and name.strip() else f"a {what} {problem}"
        )
    return name.strip()


@dataclass(frozen=True)
class Label:
    name: str
    prompts: tuple[str, ...] = ()  # empty: the templates filled with the name
    threshold: float | None = None  # None: the label set's default
    enabled: bool = True
    examples_only: bool = False  # no prompt at all: the label is what the photos you tag with it show

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", checked_name(self.name, "label"))  # every way in: CLI, window, file


@dataclass(frozen=True)
class ModerationCategory:
    name: str
    unsafe: tuple[str, ...]
    safe: tuple[str, ...]
    threshold: float = 0.8
    enabled: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", checked_name(self.name, "moderation category"))


DEFAULT_TAG_THRESHOLD = 0.5
DEFAULT_BEST_THRESHOLD = 0.0  # no longer used by the absolute rule (core/calibration.py); kept in the file format


@dataclass(frozen=True)
class LabelSet:
    labels: tuple[Label, ...] = ()
    moderation: tuple[ModerationCategory, ...] = ()
    templates: tuple[str, ...] = DEFAULT_TEMPLATES
    # Default per-label confidence threshold: each label's confidence is absolute (core/calibration.py), and 0.5
    # is where its prompt just clears both the background words and the library's background level
    # (benchmarks/RESULTS.md, "Absolute tag rule").
    threshold: float = DEFAULT_TAG_THRESHOLD
    max_tags: int = 5
    # The old softmax rule's gate; read and written for older labels files, unused by the absolute rule.
    best_threshold: float = DEFAULT_BEST_THRESHOLD
    # Entries of the file left out for a name that cannot be one (a nameless label written before names were
    # checked): (the entry's name as written, why). The next save leaves them out of the file.
    ignored: tuple[tuple[object, str], ...] = field(default=(), compare=False)

    def prompts_for(self, label: Label) -> tuple[str, ...]:
        return label.prompts or tuple(t.format(label.name) for t in self.templates)

    def threshold_for(self, label: Label) -> float:
        return self.threshold if label.threshold is None else label.threshold

    @property
    def enabled_labels(self) -> tuple[Label, ...]:
        return tuple(label for label in self.labels if label.enabled)

    def label(self, name: str) -> Label:
        for label in self.labels:
            if label.name == name:
                return label
        raise ConfigError(f"no label named {name!r} (labels: {', '.join(label.name for label in self.labels)})")

    def category(self, name: str) -> ModerationCategory:
        for category in self.moderation:
            if category.name == name:
                return category
        raise ConfigError(
            f"no moderation category named {name!r} (categories: {', '.join(c.name for c in self.moderation)})"
        )

    def with_label(self, label: Label) -> LabelSet:
        """Add or replace (by name)."""
        others = tuple(each for each in self.labels if each.name != label.name)
        position = next((i for i, each in enumerate(self.labels) if each.name == label.name), len(others))
        return replace(self, labels=others[:position] + (label,) + others[position:])

    def without_label(self, name: str) -> LabelSet:
        """The set without label `name`; a name matching an ignored entry (`labels remove ""`) drops that one."""
        dropped = tuple(entry for entry in self.ignored if _same_bad_name(entry[0], name))
        if dropped:
            return replace(self, ignored=tuple(entry for entry in self.ignored if entry not in dropped))
        self.label(name)
        return replace(self, labels=tuple(label for label in self.labels if label.name != name))

    def with_category(self, category: ModerationCategory) -> LabelSet:
        others = tuple(c for c in self.moderation if c.name != category.name)
        return replace(self, moderation=others + (category,))


def _same_bad_name(written, asked: str) -> bool:
    if not isinstance(written, str) or not written.strip():
        return not asked.strip()  # "" and "  " both name the nameless entries
    return written.strip() == asked.strip()


def default_label_set() -> LabelSet:
    return LabelSet(
        labels=tuple(Label(name) for name in DEFAULT_LABELS),
        moderation=tuple(ModerationCategory(name, tuple(u), tuple(s)) for name, (u, s) in DEFAULT_MODERATION.items()),
    )


def _probability(value, where: str) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0.0 <= value <= 1.0:
        raise ConfigError(f"{where}: threshold must be a number between 0 and 1, not {value!r}")
    return float(value)


def _strings(value, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: expected a list of non-empty strings")
    return tuple(value)


def _tables(data: dict, key: str) -> list[dict]:
    """`[[label]]` / `[[moderation]]` entries; anything else (`label = "oops"`) says what it found instead."""
    value = data.get(key, [])
    if not isinstance(value, list):
        raise ConfigError(f"{key} must be a list of [[{key}]] tables (each with a name), not {_kind(value)}")
    for i, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise ConfigError(f"{key} #{i + 1} must be a [[{key}]] table with a name, not {_kind(entry)}")
    return value


def _kind(value) -> str:
    kinds = {str: "a string", bool: "true/false", int: "a number", float: "a number", list: "a list", dict: "a table"}
    return f"{kinds.get(type(value), type(value).__name__)} ({value!r})"[:80]


def _entry_name(entry: dict, where: str, ignored: list | None) -> str | None:
    """The entry's checked name; None (noted in `ignored`) for a bad one when bad names are skipped."""
    name = entry.get("name")
    problem = name_problem(name)
    if not problem:
        return str(name).strip()  # name_problem passes only a str
    if ignored is None:
        raise ConfigError(f"{where}: {problem}")
    ignored.append((name, f"{where} ({name!r}): {problem}"))
    return None


def label_set_from_dict(data: dict, skip_bad_names: bool = False) -> LabelSet:
    """Validate what a labels TOML file holds; every problem names the entry it is in. With `skip_bad_names`, an
    entry whose name cannot be one is left out (listed in LabelSet.ignored) instead of failing the whole file: a
    library from before names were checked opens, and `labels remove ""` takes it out."""
    ignored: list | None = [] if skip_bad_names else None
    settings = data.get("settings", {})
    if not isinstance(settings, dict):
        raise ConfigError(f"settings must be a [settings] table, not {_kind(settings)}")
    templates = _strings(settings.get("templates", list(DEFAULT_TEMPLATES)), "settings.templates")
    if not all("{}" in t for t in templates):
        raise ConfigError("settings.templates: every template needs a {} where the label goes")
    max_tags = settings.get("max_tags", 5)
    if not isinstance(max_tags, int) or max_tags < 1:
        raise ConfigError(f"settings.max_tags must be a whole number >= 1, not {max_tags!r}")
    labels, seen = [], set()
    for i, entry in enumerate(_tables(data, "label")):
        name = _entry_name(entry, f"label #{i + 1}", ignored)
        if name is None:
            continue
        if name in seen:
            raise ConfigError(f"label {name!r} is defined twice")
        seen.add(name)
        threshold = entry.get("threshold")
        labels.append(
            Label(
                name=name,
                prompts=_strings(entry["prompts"], f"label {name!r}: prompts") if "prompts" in entry else (),
                threshold=None if threshold is None else _probability(threshold, f"label {name!r}"),
                enabled=bool(entry.get("enabled", True)),
                examples_only=bool(entry.get("examples_only", False)),
            )
        )
    categories = []
    for i, entry in enumerate(_tables(data, "moderation")):
        name = _entry_name(entry, f"moderation #{i + 1}", ignored)
        if name is None:
            continue
        categories.append(
            ModerationCategory(
                name=name,
                unsafe=_strings(entry.get("unsafe"), f"moderation {name!r}: unsafe"),
                safe=_strings(entry.get("safe"), f"moderation {name!r}: safe"),
                threshold=_probability(entry.get("threshold", 0.8), f"moderation {name!r}"),
                enabled=bool(entry.get("enabled", True)),
            )
        )
    return LabelSet(
        tuple(labels),
        tuple(categories),
        templates,
        _probability(settings.get("threshold", DEFAULT_TAG_THRESHOLD), "settings"),
        max_tags,
        _probability(settings.get("best_threshold", DEFAULT_BEST_THRESHOLD), "settings.best_threshold"),
        tuple(ignored or ()),
    )


def label_set_to_dict(labels: LabelSet) -> dict:
    def label_entry(label: Label) -> dict:
        entry = {"name": label.name, "enabled": label.enabled}
        if label.prompts:
            entry["prompts"] = list(label.prompts)
        if label.threshold is not None:
            entry["threshold"] = label.threshold
        if label.examples_only:
            entry["examples_only"] = True
        return entry

    return {
        "settings": {
            "threshold": labels.threshold,
            "best_threshold": labels.best_threshold,
            "max_tags": labels.max_tags,
            "templates": list(labels.templates),
        },
        "label": [label_entry(label) for label in labels.labels],
        "moderation": [
            {
                "name": c.name,
                "enabled": c.enabled,
                "threshold": c.threshold,
                "unsafe": list(c.unsafe),
                "safe": list(c.safe),
            }
            for c in labels.moderation
        ],
    }
