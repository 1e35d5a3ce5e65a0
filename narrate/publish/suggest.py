"""Lexicon entries for the words ``narrate verify`` heard missed, chosen by listening.

For each misheard word (one written word of five letters or more: a short word heard otherwise
is the recognizer's slip more often than the voice's), the show's own voice
says it alone in several ways, the recognizer hears each, and the way heard closest to the
word as written (difflib's ratio of the letters) is suggested, when it is heard better than
the way the episode said it:

1. the shipped lexicon's entry, when the show's own lexicon says the word otherwise;
2. the voice's own reading, when a lexicon entry gives the word its sounds;
3. a respelling by syllables ("ocrelizumab" -> "o-cre-li-zu-mab"), said as a substitute.

A suggestion is a line in the shipped lexicon's format, for the editor to review and paste
into the show's lexicon; nothing is changed by narrate itself.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from narrate.audio.listen import at_rate, transcribe
from narrate.config import Settings
from narrate.engines import Engine, load_engine
from narrate.errors import NarrateError
from narrate.text.pronounce import Entry, Lexicon, load_lexicon
from narrate.text.rules.normalize import normalize
from narrate.text.script import speech_options

log = logging.getLogger(__name__)

CARRIER = "The next word is {word}, said once."
"""The sentence a word is said in to hear it (alone, a word is heard worse than in speech)."""
_VOWELS = re.compile(r"[^aeiouy]*[aeiouy]+(?:[^aeiouy](?![aeiouy]))*", re.IGNORECASE)


@dataclass(frozen=True)
class Suggestion:
    """A lexicon entry that makes a misheard word heard better."""

    word: str
    """The word as written."""
    table: str
    """The lexicon table the entry goes in ("phonemes", "substitute"), or "" to remove the
    show's entry."""
    line: str
    """The entry as the show's lexicon file writes it."""
    how: str
    """How it was chosen, in words."""
    heard: str
    """What the recognizer heard when the voice said the word this way."""
    before: str
    """What it heard when the voice said the word as the episode does."""


def suggest(words: Iterable[str], settings: Settings) -> list[Suggestion]:
    """A suggestion for each of ``words`` that some other way of saying it is heard better;
    none when the voice cannot be loaded (the report says the rest)."""
    try:
        engine = load_engine(settings.engine)
        speech = speech_options(settings.script, engine)
        hear = _Hearing(engine, settings.show.language, speech.phonemes)
        shipped = load_lexicon()
        chosen = (
            _best(word, speech.lexicon, shipped, hear)
            for word in dict.fromkeys(w.strip(".,;:!?\"'()") for w in words)
            if re.fullmatch(r"[A-Za-z]{5,}", word) and not word.isupper()
        )
        return [suggestion for suggestion in chosen if suggestion is not None]
    except NarrateError as error:
        log.warning("no lexicon suggestions: %s", error)
        return []


class _Hearing:
    """The voice saying a word one way, and what the recognizer hears."""

    def __init__(self, engine: Engine, language: str, phonemes: bool) -> None:
        self.engine, self.language, self.phonemes = engine, language, phonemes

    def __call__(self, word: str, lexicon: Lexicon) -> tuple[float, str]:
        """How close what is heard is to ``word`` (0 to 1), and what is heard: the word said
        in a plain sentence of its own (``CARRIER``), the sentence's other words left out."""
        written = CARRIER.format(word=word)
        spoken = normalize(written, self.language, lexicon, self.phonemes)
        speech = self.engine.synthesize(spoken)
        samples = np.frombuffer(at_rate(speech), dtype="<i2").astype(np.float32) / 32768
        said = {w.lower() for w in re.findall(r"[A-Za-z]+", written)} - {word.lower()}
        heard = " ".join(
            w.word for w in transcribe(samples) if re.sub(r"[^a-z]", "", w.word.lower()) not in said
        ).strip(" .,")
        letters = re.sub(r"[^a-z]", "", heard.lower())
        return difflib.SequenceMatcher(None, word.lower(), letters).ratio(), heard


def _best(word: str, lexicon: Lexicon, shipped: Lexicon, hear: _Hearing) -> Suggestion | None:
    current = lexicon.get(word) or lexicon.get(word.lower())
    before_score, before = hear(word, lexicon)
    tries: list[tuple[str, str, Entry | None]] = []
    original = shipped.get(word) or shipped.get(word.lower())
    if original is not None and original != current:
        tries.append(("the shipped lexicon's entry", original.kind, original))
    if current is not None:
        tries.append(("the voice's own reading (the show's entry removed)", "", None))
    respelled = "-".join(_VOWELS.findall(word.lower())) or word.lower()
    tries.append(("a respelling by syllables", "substitute",
                  Entry(word, "substitute", respelled, source="suggested")))  # fmt: skip
    best: Suggestion | None = None
    best_score = before_score
    for how, table, entry in tries:
        others = tuple(e for e in lexicon.entries if e.term not in (word, word.lower()))
        score, heard = hear(word, Lexicon(others + ((entry,) if entry else ())))
        if score > best_score:
            best_score = score
            best = Suggestion(word, table, _line(word, table, entry), how, heard, before)
    return best


def _line(word: str, table: str, entry: Entry | None) -> str:
    if entry is None:
        return f"# remove {word} from the show's lexicon"
    if table == "phonemes":
        return f'{entry.term} = {{ ipa = "{entry.ipa}", respell = "{entry.spoken}" }}'
    return f'{entry.term} = "{entry.spoken}"'


def lexicon_text(suggestions: Iterable[Suggestion]) -> str:
    """The suggestions as a lexicon file to review: one table each, each line with how it
    was chosen."""
    lines = ["# Suggested by narrate verify: review, then paste into the show's lexicon."]
    for table in ("phonemes", "substitute", ""):
        chosen = [s for s in suggestions if s.table == table]
        if chosen:
            lines += ["", f"[{table}]" if table else "# entries to remove"]
            for s in chosen:
                lines += [f'# {s.how}: heard "{s.heard}" (was "{s.before}")', s.line]
    return "\n".join(lines) + "\n"
