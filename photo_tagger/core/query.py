"""The search box's little language: words, -negative terms, weighted 2:terms and "quoted text" the photo must show.

    kids on a beach at sunset     plain words: one description, matched by meaning, and by text, tag or file name
    beach -people                 a minus leaves out photos that clearly match that term, ranks lower those near it
    2:dog beach                   a number, a colon, a term: that term counts twice (0.5:dog counts half)
    -2:people                     a weighted minus is stricter: it also drops photos that only probably match
    "total 42.50"                 quoted: only photos whose recognised text has these words, in this order
    -"draft"                      quoted with a minus: photos whose text says this are left out

A colon between two numbers (12:30) is text, not a weight; any other text with a colon goes in quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from photo_tagger.core.errors import PhotoTaggerError

HELP = __doc__.split("\n\n")[1].rstrip() + "\n\n" + __doc__.split("\n\n")[2].strip()

_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)"
_WEIGHTED = re.compile(rf"({_NUMBER}):(.*)", re.S)
_CLOCK = re.compile(r"\d+:\d+")  # 12:30, 4:3: text, not a weight on a number


class QueryError(PhotoTaggerError):
    """A search query that cannot be read (core.search.SearchError is the one raised: see parse)."""


@dataclass(frozen=True)
class Term:
    text: str
    weight: float = 1.0


@dataclass(frozen=True)
class Query:
    text: str  # as typed, whitespace tidied: what recent searches remember
    terms: tuple[Term, ...] = ()  # what to look for: the plain words as one description, each weighted term alone
    negatives: tuple[Term, ...] = ()  # what to leave out
    phrases: tuple[str, ...] = ()  # quoted: the photo's text must hold each
    excluded_phrases: tuple[str, ...] = ()  # quoted with a minus: the photo's text must not

    @property
    def words(self) -> tuple[str, ...]:
        """The words the query looks for (plain and weighted), for text, tag and name matches."""
        return tuple(w for t in self.terms for w in t.text.split())

    @property
    def meaning_terms(self) -> tuple[Term, ...]:
        """What CLIP ranks by: the terms, or for a query of quoted text only, that text."""
        return self.terms or tuple(Term(p) for p in self.phrases)

    def highlights(self) -> tuple[str, ...]:
        """Words and phrases worth marking in a photo's text for this search."""
        return tuple(dict.fromkeys(self.phrases + self.words))


def parse(text: str) -> Query:
    """Read a query; a malformed one raises core.search.SearchError with one line saying what is wrong."""
    from photo_tagger.core.search import SearchError

    try:
        return _parse(text)
    except QueryError as exc:
        raise SearchError(str(exc)) from None


def _parse(text: str) -> Query:
    tidy = " ".join(text.split())
    if not tidy:
        raise QueryError('the search query is empty: describe what is in the photo, e.g. "dog on a beach"')
    plain: list[str] = []
    weighted: list[Term] = []
    negatives: list[Term] = []
    phrases: list[str] = []
    excluded: list[str] = []
    i, n = 0, len(tidy)
    while i < n:
        if tidy[i] == " ":
            i += 1
            continue
        start = i
        while i < n and tidy[i] not in ' "':
            i += 1
        head = tidy[start:i]
        if i < n and tidy[i] == '"':
            end = tidy.find('"', i + 1)
            if end < 0:
                raise QueryError(f'unclosed quote in {tidy[i:]!r}: end the quoted text with another "')
            if head not in ("", "-"):
                raise QueryError(
                    f'{head + tidy[i : end + 1]!r}: quoted text takes no weight or other prefix (only a minus: -"text")'
                )
            if end + 1 < n and tidy[end + 1] != " ":
                raise QueryError(f"{tidy[start : end + 2]!r}...: put a space after the closing quote")
            phrase = " ".join(tidy[i + 1 : end].split())
            if not phrase:
                raise QueryError('empty quotes: put the text the photo must show between them, e.g. "total 42.50"')
            if not _has_token(phrase):
                raise QueryError(f'"{phrase}" has no letter or digit to look for in a photo\'s text')
            (excluded if head == "-" else phrases).append(phrase)
            i = end + 1
            continue
        negative, term, has_weight = _word(head)
        if negative:
            negatives.append(term)
        elif has_weight:
            weighted.append(term)
        else:
            plain.append(term.text)
    terms = ([Term(" ".join(plain))] if plain else []) + weighted
    if not terms and not phrases:
        raise QueryError(f'{tidy!r} only says what to leave out: add what to look for, e.g. "beach -people"')
    return Query(tidy, tuple(terms), tuple(negatives), tuple(phrases), tuple(excluded))


def _word(token: str) -> tuple[bool, Term, bool]:
    """One unquoted token: (negative, term, whether it has a weight)."""
    negative = token.startswith("-")
    body = token[1:] if negative else token
    if not body:
        raise QueryError("a lone '-': put the term to leave out right after it, e.g. -people")
    if body.startswith("-"):
        raise QueryError(f"{token!r}: one minus is enough, e.g. -people")
    if ":" not in body or _CLOCK.fullmatch(body) or body.endswith(":") and not _WEIGHTED.fullmatch(body):
        return negative, Term(body.rstrip(":") if _has_token(body) else body), False
    match = _WEIGHTED.fullmatch(body)
    if match is None:
        written = body.split(":", 1)[0]
        raise QueryError(
            f"{token!r}: the weight {written!r} is not a number; write a number, a colon and a term, "
            "e.g. 2:dog (text with a colon goes in quotes)"
        )
    weight, term = float(match.group(1)), match.group(2)
    if not term:
        raise QueryError(f"{token!r}: a weight needs a term after the colon, e.g. {match.group(1)}:dog")
    if weight <= 0:
        raise QueryError(f"{token!r}: a weight must be above 0 (to leave a term out, use -{term})")
    if term.startswith("-"):
        if negative:
            raise QueryError(f"{token!r}: one minus is enough, e.g. -{match.group(1)}:{term[1:]}")
        negative, term = True, term[1:]
    if not term or ":" in term or '"' in term:
        raise QueryError(f"{token!r}: write a number, a colon and one word, e.g. 2:dog")
    return negative, Term(term, weight), True


def fts_words(words, prefix: bool = False) -> str:
    """An FTS5 expression matching text with every one of these words (each as a prefix when asked). Each word
    is a quoted FTS5 string, so 42.50 is the phrase "42 50" the tokenizer makes of it, never syntax."""
    return " ".join(_fts_string(w) + ("*" if prefix else "") for w in words if _has_token(w))


def fts_phrase(phrase: str) -> str:
    return _fts_string(phrase) if _has_token(phrase) else ""


def _fts_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _has_token(text: str) -> bool:
    """FTS5's unicode61 tokenizer keeps letters and digits; a string of punctuation matches nothing."""
    return any(c.isalnum() for c in text)
