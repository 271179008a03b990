"""What changed between two review copies of the check, sentence by sentence.

A review copy (``flask --app app review-copy``) holds every page a person can
be shown, each as the lines of text a reader meets on it. A medical director
who signed one copy reads only what a release changed: the pages whose words
differ, and on each of them every sentence added, removed or changed, with
the sentences around them left as they were.

Plain Python: the pages come in as text, and ``difflib`` compares them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

# Words with full stops that do not end a sentence, as they are written in
# the content and the clinics file ("EE. UU."): no sentence is split inside
# or right after one of them. (Times, "8 a. m.", often end a sentence: not here.)
ABBREVIATIONS = (
    "e.g.",
    "i.e.",
    "etc.",
    "vs.",
    "Dr.",
    "Dra.",
    "Mr.",
    "Mrs.",
    "Ms.",
    "Sr.",
    "Sra.",
    "St.",
    "U.S.",
    "EE.UU.",
    "EE. UU.",
    "p. ej.",
    "Ud.",
    "Uds.",
)
_ABBREVIATION = re.compile(
    r"(?<!\w)(?:" + "|".join(re.escape(word) for word in ABBREVIATIONS) + ")"
)

# The end of a sentence: a full stop, question or exclamation mark (and any
# closing quote or bracket), space, then what can start a sentence: a capital
# letter or a digit, perhaps after an opening quote, bracket, "¿" or "¡".
_END = re.compile(r"([.!?…][\"”’»)\]]*)\s+(?=[\"“«(\[¿¡]?[A-ZÁÉÍÓÚÜÑ0-9])")
# Changed sentences are paired with a new one at least this alike, in words.
_ALIKE = 0.5


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, its spaces collapsed.

    A line with no full stop (a heading, a button, an answer) is one sentence.
    """
    text = " ".join(text.split())
    # Where each abbreviation is: a sentence does not end inside one, or at its end.
    inside = [(found.start(), found.end()) for found in _ABBREVIATION.finditer(text)]
    sentences: list[str] = []
    start = 0
    for end in _END.finditer(text):
        stop = end.end(1)
        if any(first < stop <= last for first, last in inside):
            continue
        sentences.append(text[start:stop])
        start = end.end()
    if text[start:]:
        sentences.append(text[start:])
    return sentences


class Mark(StrEnum):
    SAME = "same"
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True)
class SentenceChange:
    """One sentence of a page, as it was (``old``) and as it is (``new``)."""

    mark: Mark
    old: str | None = None
    new: str | None = None


def diff_sentences(old: Sequence[str], new: Sequence[str]) -> list[SentenceChange]:
    """Every sentence of ``old`` and ``new`` in order, marked as the same, added, removed
    or changed (an old sentence and the new one that took its place)."""
    changes: list[SentenceChange] = []
    matcher = difflib.SequenceMatcher(a=list(old), b=list(new), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            changes += [SentenceChange(Mark.SAME, s, s) for s in old[i1:i2]]
        elif tag == "delete":
            changes += [SentenceChange(Mark.REMOVED, old=s) for s in old[i1:i2]]
        elif tag == "insert":
            changes += [SentenceChange(Mark.ADDED, new=s) for s in new[j1:j2]]
        else:
            changes += _paired(old[i1:i2], new[j1:j2])
    return changes


def _paired(old: Sequence[str], new: Sequence[str]) -> list[SentenceChange]:
    """Old sentences replaced by new ones: each old one is changed into the next new one
    alike enough, in order; the others were removed or added."""
    changes: list[SentenceChange] = []
    taken = 0
    for sentence in old:
        match = next((k for k in range(taken, len(new)) if alike(sentence, new[k])), None)
        if match is None:
            changes.append(SentenceChange(Mark.REMOVED, old=sentence))
            continue
        changes += [SentenceChange(Mark.ADDED, new=s) for s in new[taken:match]]
        changes.append(SentenceChange(Mark.CHANGED, sentence, new[match]))
        taken = match + 1
    changes += [SentenceChange(Mark.ADDED, new=s) for s in new[taken:]]
    return changes


def alike(old: str, new: str) -> bool:
    """Whether two sentences share enough of their words to be one sentence changed."""
    words = difflib.SequenceMatcher(a=_words(old), b=_words(new))
    return words.ratio() >= _ALIKE


def _words(sentence: str) -> list[str]:
    """A sentence's words, whatever their case and the punctuation after them."""
    return re.findall(r"\w+", sentence.lower())


def changed_words(old: str, new: str) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    """The words of each sentence, each with whether it differs from the other sentence."""
    a, b = old.split(), new.split()
    marked_old: list[tuple[str, bool]] = []
    marked_new: list[tuple[str, bool]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b).get_opcodes():
        marked_old += [(word, tag != "equal") for word in a[i1:i2]]
        marked_new += [(word, tag != "equal") for word in b[j1:j2]]
    return marked_old, marked_new


@dataclass(frozen=True)
class Page:
    """One page state of a review copy: its id, what it is, and its lines of text."""

    id: str
    title: str
    lines: tuple[str, ...]

    def sentences(self) -> list[str]:
        return [sentence for line in self.lines for sentence in split_sentences(line)]


@dataclass(frozen=True)
class PageDiff:
    """A page whose words changed: the page as it is now, and its sentences marked."""

    page: Page
    changes: tuple[SentenceChange, ...]


@dataclass(frozen=True)
class CopyDiff:
    changed: tuple[PageDiff, ...]
    added: tuple[Page, ...]
    removed: tuple[Page, ...]

    @property
    def empty(self) -> bool:
        return not (self.changed or self.added or self.removed)


def diff_copies(old: Sequence[Page], new: Sequence[Page]) -> CopyDiff:
    """The pages that changed, were added or were removed, matched by id, in the new
    copy's order (the removed ones in the old copy's)."""
    before = {page.id: page for page in old}
    after = {page.id for page in new}
    changed = []
    for page in new:
        earlier = before.get(page.id)
        if earlier is None or earlier.lines == page.lines:
            continue
        changes = diff_sentences(earlier.sentences(), page.sentences())
        # Lines broken otherwise, but the same sentences: nothing to read again.
        if any(change.mark is not Mark.SAME for change in changes):
            changed.append(PageDiff(page, tuple(changes)))
    return CopyDiff(
        changed=tuple(changed),
        added=tuple(page for page in new if page.id not in before),
        removed=tuple(page for page in old if page.id not in after),
    )
