"""What a listener would miss: the words narrate meant, against the words the recognizer heard.

Both sides are brought to one spoken form before they are compared, by narrate's own speech
rules, so a number, a date or an initialism counts as heard however either side writes it:

    canonical("In 316 people with MS") -> ["in", "three", "hundred", "sixteen", "people",
                                           "with", "ms"]
    canonical("in three hundred sixteen people with M.S.") -> the same

The lexicon's letters, words and substitutes apply on both sides ("mtROS" is meant as
"mitochondrial ROS"); its phonemes do not (a drug name is meant as it is written, and a
recognizer writes it so). The two word lists are aligned with ``jiwer`` (word-level edit
distance); each run of words that differ is a ``Miss``, timed by the recognizer's word times,
unless it is one long word heard spelled nearly so (``NEAR``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence

from narrate.models import HeardWord, Hearing, Miss, SegmentTiming
from narrate.text.pronounce import Lexicon
from narrate.text.rules.normalize import normalize

_SPLIT = re.compile(r"[\s\-‐‑–—/]+")
_NOT_WORD = re.compile(r"[^\w.']")


def canonical(text: str, language: str = "en-US", lexicon: Lexicon | None = None) -> list[str]:
    """``text``'s words in one spoken form: speech rules applied, lower case, no punctuation,
    initialisms as one word ("M.R.I", "MRI", "M, R, I" and "M, R, eye" -> "mri"; "M.D.M's"
    and "M, D, M's" -> "mdms")."""
    spoken = normalize(text, language, _as_written(lexicon), phonemes=False)
    words = []
    for word in _SPLIT.split(spoken.lower().replace("’", "'")):
        word = _NOT_WORD.sub("", word).replace("_", "").strip(".'")
        if re.fullmatch(r"[a-z]'s", word):  # "M's": a letter and its plural or possessive
            words += [word[0], "'s"]
        elif word:
            words.append(word.replace(".", "").replace("'", ""))
    return _initialisms(words)


def _initialisms(words: list[str]) -> list[str]:
    """Runs of letters as one word: ["m", "r", "eye"] -> ["mri"]; a letter's name counts as
    the letter next to another letter ("em", "are" and "eye" alone stay words)."""
    letters = [
        (len(w) == 1 and w.isalpha()) or (w in _LETTER_NAMES and _beside_letter(words, n))
        for n, w in enumerate(words)
    ]
    merged: list[str] = []
    run: list[str] = []
    for word, letter in zip([*words, ""], [*letters, False], strict=True):
        if letter:
            run.append(_LETTER_NAMES.get(word, word))
            continue
        if word == "'s" and run:  # "M.D.M's" -> "mdms"
            run.append("s")
            word = ""
        if len(run) > 1:
            merged.append("".join(run))
        else:
            merged += run
        run = []
        if word:
            merged.append(word.replace("'", ""))
    return merged


def _beside_letter(words: list[str], n: int) -> bool:
    return any(
        0 <= k < len(words) and len(words[k]) == 1 and words[k].isalpha() for k in (n - 1, n + 1)
    )


_LETTER_NAMES = {
    "ay": "a", "bee": "b", "see": "c", "sea": "c", "dee": "d", "ee": "e", "eff": "f",
    "gee": "g", "aitch": "h", "eye": "i", "jay": "j", "kay": "k", "el": "l", "ell": "l",
    "em": "m", "en": "n", "oh": "o", "pee": "p", "cue": "q", "are": "r", "ar": "r",
    "ess": "s", "tee": "t", "you": "u", "vee": "v", "ex": "x", "why": "y", "zee": "z",
    "zed": "z",
}  # fmt: skip
"""What a recognizer may write for a letter said alone, as in "R, oh, S"."""


def compare(
    segments: Sequence[SegmentTiming],
    heard: Sequence[HeardWord],
    language: str = "en-US",
    lexicon: Lexicon | None = None,
) -> Hearing:
    """How many of the script's words the recognizer heard in ``heard``, and each miss."""
    import jiwer

    meant: list[str] = []
    owner: list[int] = []
    """The segment each meant word belongs to."""
    for number, timing in enumerate(segments):
        words = canonical(timing.segment.text, language, lexicon)
        meant += words
        owner += [number] * len(words)
    said, at = _timed(heard, language, lexicon)
    if not meant:
        return Hearing(0, len(said), (), tuple(heard))
    if not said:
        chunks = [("delete", 0, len(meant), 0, 0, len(meant))]
    else:
        found = jiwer.process_words(" ".join(meant), " ".join(said))
        chunks = _joined(
            (c.type, c.ref_start_idx, c.ref_end_idx, c.hyp_start_idx, c.hyp_end_idx)
            for c in found.alignments[0]
        )
    misses = []
    errors = 0
    for kind, ref_start, ref_end, hyp_start, hyp_end, wrong in chunks:
        if kind == "equal" or _spelled_near(meant[ref_start:ref_end], said[hyp_start:hyp_end]):
            continue
        errors += wrong
        if hyp_end > hyp_start:
            start, end = heard[at[hyp_start]].start_ms, heard[at[hyp_end - 1]].end_ms
            words_heard = " ".join(heard[i].word for i in sorted(set(at[hyp_start:hyp_end])))
        else:
            start, end = _gap(segments[owner[ref_start]], heard, at, hyp_start)
            words_heard = ""
        segment = owner[min(ref_start, len(owner) - 1)]
        misses.append(
            Miss(
                start_ms=start,
                end_ms=max(start, end),
                meant=" ".join(meant[ref_start:ref_end]),
                heard=words_heard,
                term=_written(
                    segments[segment].segment.text, meant[ref_start:ref_end], language, lexicon
                ),
                segment=segment,
            )
        )
    return Hearing(len(meant), errors, tuple(misses), tuple(heard))


NEAR = 0.8
"""A long word heard spelled this close (difflib's ratio of the letters) is heard: the
recognizer spelling an unfamiliar name its own way ("Oak Realizumab" for "ocrelizumab": 0.83)
is not a listener missing it; another drug's name is far ("fingolimod": 0.38)."""
_LONG = 7
"""Letters a word needs for ``NEAR`` to apply: a short word heard otherwise is another word."""


def _spelled_near(meant: list[str], said: list[str]) -> bool:
    if len(meant) != 1 or len(meant[0]) < _LONG or not said:
        return False
    return difflib.SequenceMatcher(None, meant[0], "".join(said)).ratio() >= NEAR


_Chunk = tuple[str, int, int, int, int]


def _joined(chunks: Iterable[_Chunk]) -> list[tuple[str, int, int, int, int, int]]:
    """jiwer's chunks, with neighbours that both differ joined into one miss ("M's" meant,
    "M," added and "M's" heard); each with its count of wrong words."""
    joined: list[tuple[str, int, int, int, int, int]] = []
    for kind, ref_start, ref_end, hyp_start, hyp_end in chunks:
        wrong = 0 if kind == "equal" else max(ref_end - ref_start, hyp_end - hyp_start)
        if joined and kind != "equal" and joined[-1][0] != "equal":
            _, first_ref, _, first_hyp, _, before = joined.pop()
            kind, ref_start, hyp_start, wrong = "substitute", first_ref, first_hyp, before + wrong
        joined.append((kind, ref_start, ref_end, hyp_start, hyp_end, wrong))
    return joined


def _as_written(lexicon: Lexicon | None) -> Lexicon | None:
    """The lexicon without its phonemes: such a term is meant, and heard, as written."""
    if lexicon is None:
        return None
    return Lexicon(tuple(entry for entry in lexicon.entries if entry.kind != "phonemes"))


def _timed(
    heard: Sequence[HeardWord], language: str, lexicon: Lexicon | None
) -> tuple[list[str], list[int]]:
    """The heard words in canonical form (the whole text at once, so "March 3, 2025" reads
    as a date), and for each the recognizer's word it came from (matched word by word)."""
    said = canonical(" ".join(word.word for word in heard), language, lexicon)
    alone = [
        (w, i) for i, word in enumerate(heard) for w in canonical(word.word, language, lexicon)
    ]
    at = [0] * len(said)
    matcher = difflib.SequenceMatcher(None, [w for w, _ in alone], said, autojunk=False)
    for _kind, a1, a2, b1, b2 in matcher.get_opcodes():
        for b in range(b1, b2):
            a = a1 + (b - b1) * (a2 - a1) // max(b2 - b1, 1) if a2 > a1 else min(a1, len(alone) - 1)
            at[b] = alone[max(a, 0)][1] if alone else 0
    return said, at


def _gap(
    timing: SegmentTiming, heard: Sequence[HeardWord], at: list[int], next_said: int
) -> tuple[int, int]:
    """When words heard not at all were due: between the heard words around them, within
    their segment."""
    before = heard[at[next_said - 1]].end_ms if next_said > 0 else timing.start_ms
    after = heard[at[next_said]].start_ms if next_said < len(at) else timing.end_ms
    start = min(max(before, timing.start_ms), timing.end_ms)
    end = max(min(after, timing.end_ms), start)
    return start, end


def _written(text: str, meant: list[str], language: str, lexicon: Lexicon | None) -> str:
    """The words of ``text`` as written that ``meant`` came from ("Ocrelizumab," for
    ["ocrelizumab"]): what the report groups misses by and a lexicon entry would name."""
    if not meant:
        return ""
    words = text.split()
    spoken = [canonical(word, language, lexicon) for word in words]
    for first, forms in enumerate(spoken):
        if (forms and forms[0] == meant[0]) or meant[0] in forms:
            last, seen = first, list(forms)
            while len(seen) < len(meant) and last + 1 < len(words):
                last += 1
                seen += spoken[last]
            return " ".join(words[first : last + 1]).strip(".,;:!?\"'()[]")
    return " ".join(meant)
