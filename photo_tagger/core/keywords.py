"""Tags and flags as XMP keywords, and back: the mapping, our own keywords, the merge rule (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from photo_tagger.core.tagging import EffectiveTags, UserChoices

AI = "AI"  # root of the app's automatic keywords in keyword hierarchies
SENSITIVE = "Sensitive"  # AI/Sensitive/<category>: moderation flags
# darktable keeps its own bookkeeping as keywords (darktable|format|jpg, darktable|changed, darktable|exported)
# and writes them to lr:hierarchicalSubject: they say nothing about the photo, like the app's own AI root.
TOOL_ROOTS = frozenset({AI, "darktable"})
ALBUMS = "Albums"  # root of the albums' keywords (Albums|Name), written when the setting sidecar_albums is on
LR_SEPARATOR = "|"  # lr:hierarchicalSubject (Lightroom)
DIGIKAM_SEPARATOR = "/"  # digiKam:TagsList


@dataclass(frozen=True)
class KeywordSet:
    """Values of the three keyword properties of one photo's XMP."""

    subject: tuple[str, ...] = ()  # dc:subject, flat
    hierarchical: tuple[str, ...] = ()  # lr:hierarchicalSubject, "AI|dog"
    tags_list: tuple[str, ...] = ()  # digiKam:TagsList, "AI/dog"

    def __bool__(self) -> bool:
        return bool(self.subject or self.hierarchical or self.tags_list)

    def fields(self) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        return self.subject, self.hierarchical, self.tags_list


@dataclass(frozen=True)
class SidecarKeywords:
    """What a sidecar holds: every keyword in it, and those the app recorded as written by itself."""

    present: KeywordSet
    ours: KeywordSet | None = None  # None: never exported by the app (or its record was removed)


@dataclass(frozen=True)
class MergeResult:
    status: str  # "write" | "unchanged" | "edited" (our keywords were changed elsewhere: left alone)
    present: KeywordSet = KeywordSet()  # what the sidecar should hold ("write")
    ours: KeywordSet = KeywordSet()  # what to record as the app's own ("write")


def _component(name: str, separator: str) -> str:
    # A separator inside a tag name would split it into levels; flat dc:subject keeps the name as it is.
    return name.replace(separator, "-")


def _path(parts: Sequence[str], separator: str) -> str:
    return separator.join(_component(p, separator) for p in parts)


def keywords_for(tags: EffectiveTags, choices: UserChoices | None) -> KeywordSet:
    """The keywords the app writes for a photo.

    Automatic tags: flat `dog` in dc:subject, `AI|dog` / `AI/dog` in the hierarchies. Tags the user added:
    plain `holiday` in all three. Moderation flags: `AI|Sensitive|violence` / `AI/Sensitive/violence` in the
    hierarchies only (a flat "violence" would read as what the photo is about)."""
    added = choices.added if choices else frozenset()
    auto = [t for t in tags.tags if t not in added]
    yours = [t for t in tags.tags if t in added]
    paths = [(AI, t) for t in auto] + [(t,) for t in yours] + [(AI, SENSITIVE, f) for f in tags.flags]
    return KeywordSet(
        subject=tuple(_unique(tags.tags)),
        hierarchical=tuple(_unique(_path(p, LR_SEPARATOR) for p in paths)),
        tags_list=tuple(_unique(_path(p, DIGIKAM_SEPARATOR) for p in paths)),
    )


def with_albums(keywords: KeywordSet, albums: Iterable[str]) -> KeywordSet:
    """The keywords plus one `Albums|Name` (`Albums/Name`) per album, in the hierarchies only: a flat album name
    would read as what the photo shows."""
    paths = [(ALBUMS, name) for name in albums]
    if not paths:
        return keywords
    return KeywordSet(
        keywords.subject,
        tuple(_unique([*keywords.hierarchical, *(_path(p, LR_SEPARATOR) for p in paths)])),
        tuple(_unique([*keywords.tags_list, *(_path(p, DIGIKAM_SEPARATOR) for p in paths)])),
    )


def _unique(values: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        value = value.strip()
        if value:
            seen.setdefault(value, None)
    return list(seen)


def _split(path: str, separator: str) -> list[str]:
    return [p.strip() for p in path.split(separator) if p.strip()]


def is_ours(path: str, separator: str) -> bool:
    """A hierarchical keyword under the app's AI root."""
    parts = _split(path, separator)
    return bool(parts) and parts[0] == AI


def foreign_keywords(
    subject: Iterable[str] = (),
    hierarchical: Iterable[str] = (),
    tags_list: Iterable[str] = (),
    iptc: Iterable[str] = (),
    ours: KeywordSet | None = None,
) -> list[str]:
    """Keywords of a photo's metadata that become the user's own tags on import, in order, once each.

    Hierarchical keywords give their leaf ("Places|Paris" -> "Paris"); the app's own AI/... keywords and
    darktable's darktable|... bookkeeping are left out, and so is a flat keyword that only names a level of them ("dog" beside "AI|dog", "Sensitive") or
    only a parent level of another hierarchy ("Places", which Lightroom also writes as a flat keyword), and
    so is a flat keyword the app recorded (`ours`) as written for one of its automatic tags."""
    paths = [_split(p, LR_SEPARATOR) for p in hierarchical] + [_split(p, DIGIKAM_SEPARATOR) for p in tags_list]
    paths = [p for p in paths if p]
    paths = [p for p in paths if p[0] != ALBUMS]  # the albums' keywords are the app's too, never tags
    theirs = [p for p in paths if p[0] not in TOOL_ROOTS]
    their_leaves = {p[-1] for p in theirs}
    in_ours = {part for p in paths if p[0] in TOOL_ROOTS for part in p}
    parents = {part for p in theirs for part in p[:-1]}
    if ours is not None:  # flat keywords the app wrote for automatic tags (the user's own are plain paths)
        in_ours |= set(ours.subject) - {
            p[0] for p in (_split(h, LR_SEPARATOR) for h in ours.hierarchical) if len(p) == 1
        }
    flat = [k for k in _unique([*subject, *iptc]) if k in their_leaves or (k not in in_ours and k not in parents)]
    return _unique([*(p[-1] for p in theirs), *flat])


def imported_tags(keywords: Iterable[str], choices: UserChoices | None, labels: Sequence[str] = ()) -> list[str]:
    """Tags to add for imported keywords: a keyword matching a label (ignoring case) takes the label's
    spelling, spellings differing only in case are one tag, and a tag the user already added or removed in
    the app is left as the user decided."""
    by_lower = {name.lower(): name for name in labels}
    decided = {t.lower() for t in (choices.added | choices.removed)} if choices else set()
    tags: dict[str, str] = {}  # one tag per spelling ignoring case, the first one seen
    for keyword in _unique(keywords):
        tags.setdefault(keyword.lower(), by_lower.get(keyword.lower(), keyword))
    return [tag for lower, tag in tags.items() if lower not in decided]


def merge(existing: SidecarKeywords | None, wanted: KeywordSet, overwrite_ours: bool = False) -> MergeResult:
    """Replace the app's previous keywords in a sidecar by `wanted`, keeping every other keyword.

    If another program removed or changed a keyword the app wrote last time (the record no longer matches the
    file), the sidecar is left alone ("edited") unless overwrite_ours, which then also drops keywords under
    the app's AI root that someone else put there."""
    if existing is None:
        return MergeResult("write", wanted, wanted) if wanted else MergeResult("unchanged")
    recorded = existing.ours or KeywordSet()
    present = existing.present
    edited = any(not set(old) <= set(now) for old, now in zip(recorded.fields(), present.fields()))
    if edited and not overwrite_ours:
        return MergeResult("edited")
    fields, ours = [], []
    for index, (now, old, want) in enumerate(zip(present.fields(), recorded.fields(), wanted.fields())):
        separator = (None, LR_SEPARATOR, DIGIKAM_SEPARATOR)[index]
        foreign = [
            k for k in now if k not in old and not (overwrite_ours and separator is not None and is_ours(k, separator))
        ]
        mine = [k for k in want if k not in foreign]  # a keyword already there stays someone else's
        # Keywords that stay keep their places; new ones go last.
        kept = [k for k in now if k in foreign or (k in old and k in mine)]
        fields.append(tuple(_unique([*kept, *mine])))
        ours.append(tuple(_unique(mine)))
    result = KeywordSet(*fields)
    ours_now = KeywordSet(*ours)
    return MergeResult("unchanged" if (result, ours_now) == (present, recorded) else "write", result, ours_now)
