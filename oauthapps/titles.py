"""Application titles: the one place their rules live.

`Application.clean` calls `check_title` whenever a title is set or changed, so the
settings pages, `manage.py createapp`, `POST /api/v1/apps` and the admin all apply it.

The consent page shows the title as the application's identity, so a title must not pass
for another application's or for the verified badge:
- no control, format (zero-width, bidirectional overrides), line or paragraph separator
  characters, no space but the plain one (unicodedata categories Cc, Cf, Zl, Zp, Zs),
  and no private-use, surrogate or unassigned code point (Co, Cs, Cn);
- no word or symbol that imitates the verified badge ("verified", "official", ✔, ☑, ✅…);
- not confusable with another title: titles are compared by their NFKC, case-folded
  confusable skeleton (Unicode TR 39), so "Аlice Server" (Cyrillic А), "AIice Server"
  and "Ａｌｉｃｅ  Server" are all "Alice Server".
The confusables come from the `confusable-homoglyphs` package (Unicode's confusables.txt).
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable

from confusable_homoglyphs.confusables import confusables_data
from django.core.exceptions import ValidationError

REFUSED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"}
# Words and symbols that imitate the verified badge (compared by skeleton, so "VERIFIED"
# and "vеrified" with a Cyrillic е are the same word).
BADGE_WORDS = ("verified", "official", "certified", "trusted")
BADGE_SYMBOLS = {"\u221a"}  # √; and every character named "... CHECK MARK" or "... WITH CHECK"

INVISIBLE = (
    "A title cannot contain invisible or control characters, or spaces other than a plain space."
)
BADGE = "A title cannot imitate the verified badge (such as “verified”, “official” or ✔)."
LOOKALIKE = "This title looks the same as the title of another application."


@functools.cache
def _prototypes() -> dict[str, str]:
    """Each confusable character and its TR 39 prototype.

    confusable-homoglyphs keeps each line of confusables.txt (source → prototype) in both
    directions. A source is never a prototype, so it has exactly one entry: its
    prototype. Where a prototype has only one source, the two cannot be told apart and
    the smaller stands for both (skeletons are only compared, never shown). Right-to-left
    characters are stored wrapped in U+200E marks, which are dropped.
    """
    neighbours: dict[str, list[str]] = {}
    for char, entries in confusables_data.items():
        neighbours.setdefault(char.replace("\u200e", ""), []).extend(
            entry["c"].replace("\u200e", "") for entry in entries
        )
    prototypes = {}
    for char, others in neighbours.items():
        if len(char) != 1 or len(others) != 1:
            continue  # a sequence, or a prototype with several sources
        other = others[0]
        if len(other) > 1 or len(neighbours.get(other, ())) > 1:
            prototypes[char] = other
        else:
            prototypes[char] = min(char, other)
    return prototypes


def skeleton(text: str) -> str:
    """TR 39's skeleton: NFD, each character replaced by its prototype, NFD again."""
    prototypes = _prototypes()
    mapped = "".join(prototypes.get(c, c) for c in unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFD", mapped)


@functools.lru_cache(maxsize=4096)
def comparison_keys(title: str) -> frozenset[str]:
    """What two titles are compared by: the skeleton of the NFKC, case-folded title with
    its spaces collapsed. Case is folded both after the skeleton (capital I is confusable
    with l) and before it (the lower case of a letter may have its own confusables)."""
    text = " ".join(unicodedata.normalize("NFKC", title).split())
    return frozenset({skeleton(skeleton(text).casefold()), skeleton(text.casefold())})


def _has_badge_symbol(title: str) -> bool:
    for char in title:
        name = unicodedata.name(char, "")
        if char in BADGE_SYMBOLS or "CHECK MARK" in name or name.endswith("WITH CHECK"):
            return True
    return False


@functools.cache
def _badge_word_keys() -> frozenset[str]:
    return frozenset(key for word in BADGE_WORDS for key in comparison_keys(word))


def _imitates_badge(title: str) -> bool:
    if _has_badge_symbol(title):
        return True
    letters = ["".join(c for c in key if c.isalnum()) for key in comparison_keys(title)]
    return any(word in key for word in _badge_word_keys() for key in letters)


def check_title(title: str, *, others: Iterable[str]) -> None:
    """Raise ValidationError (messages for the title field) unless `title` may be used
    beside the titles `others` (every other application's)."""
    if not title:
        return
    if any(
        unicodedata.category(c) in REFUSED_CATEGORIES
        or (unicodedata.category(c) == "Zs" and c != " ")
        for c in title
    ):
        raise ValidationError(INVISIBLE, code="invisible")
    if _imitates_badge(title):
        raise ValidationError(BADGE, code="badge")
    keys = comparison_keys(title)
    lower = title.lower()
    # The same title in another case is the database constraint's to report (its message).
    if any(keys & comparison_keys(other) for other in others if other.lower() != lower):
        raise ValidationError(LOOKALIKE, code="lookalike")
