"""A pronunciation lexicon file, read and checked: its rows, or every problem in it.

The format (the header of ``narrate/text/lexicon/medical.toml`` documents it) is checked
here, below the speech rules, so that a show's own lexicon is checked when the show loads,
its problems reported under ``lexicon:`` with the show's others; ``narrate.text.pronounce``
makes what each row says from the same rows, for the shipped lexicon too. The format's rules
are written once.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from narrate.errors import ConfigError

EntryKind = Literal["letters", "words", "substitute", "phonemes"]
KINDS: tuple[EntryKind, ...] = ("letters", "words", "substitute", "phonemes")
_TABLES_HINT = "[letters], [words], [substitute] or [phonemes]"


@dataclass(frozen=True)
class LexiconRow:
    """One term of a lexicon file, checked."""

    term: str
    """The term as written; matched as a whole word, case-sensitively."""
    kind: EntryKind
    """Its table: letters, words, substitute or phonemes."""
    said: str = ""
    """The words a substitute says, or a phonemes entry's respelling; empty for letters and
    words, which are said from the term itself."""
    ipa: str | None = None
    """A phonemes entry's IPA."""


def lexicon_problems(path: Path) -> list[str]:
    """Every problem of the lexicon file at ``path`` (none: it loads)."""
    try:
        lexicon_rows(read_lexicon(path), str(path))
    except ConfigError as error:
        return error.problems
    return []


def read_lexicon(path: Path) -> str:
    """The text of a show's lexicon file, or ConfigError saying why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            [f"lexicon: no lexicon file at {path}; check the lexicon path in the show file"]
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(
            [f"lexicon: cannot read {path} ({error}); save it as UTF-8 text"]
        ) from None


def lexicon_rows(text: str, source: str) -> list[LexiconRow]:
    """Every row of one lexicon file, or ConfigError naming every problem in it."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            [f"lexicon: {source} is not valid TOML ({error}); fix the line it names"]
        ) from None
    rows: list[LexiconRow] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for table, terms in data.items():
        if not isinstance(terms, dict):
            problems.append(
                f'lexicon: "{table}" in {source} is outside a table; put it under {_TABLES_HINT}'
            )
            continue
        if table not in KINDS:
            problems.append(f"lexicon: {source} has an unknown table [{table}]; use {_TABLES_HINT}")
            continue
        for term, value in terms.items():
            where = f'[{table}] "{term}" in {source}'
            if term in seen:
                problems.append(f"lexicon: {where} is also in [{seen[term]}]; keep one")
                continue
            seen[term] = table
            row, problem = _row(table, term, value)
            if problem:
                problems.append(f"lexicon: {where} {problem}")
            elif row is not None:
                rows.append(row)
    if problems:
        raise ConfigError(problems)
    return rows


def _row(kind: EntryKind, term: str, value: Any) -> tuple[LexiconRow | None, str]:
    """One row, or what is wrong with it and how to fix it."""
    if not term or term != term.strip() or not any(c.isalpha() for c in term):
        return None, "is not a term; write the word as it appears in summaries"
    if kind == "letters" and not term.isalnum():
        return None, "can only be letters and digits; put it under [substitute] instead"
    if kind in ("letters", "words"):
        if not isinstance(value, str):
            return None, f'needs a note in quotes; write {term} = "what it stands for"'
        return LexiconRow(term, kind), ""
    if kind == "substitute":
        if not isinstance(value, str) or not value.strip():
            return None, f'needs the words to say; write {term} = "words to say"'
        return LexiconRow(term, kind, value.strip()), ""
    return _phonemes(term, value)


def _phonemes(term: str, value: Any) -> tuple[LexiconRow | None, str]:
    """A [phonemes] row: IPA Piper reads, and a respelling for the other engines."""
    example = f'write {term} = {{ ipa = "...", respell = "..." }}'
    if not isinstance(value, dict):
        return None, f"needs an ipa and a respelling; {example}"
    unknown = sorted(set(value) - {"ipa", "respell"})
    if unknown:
        return None, f'has unknown key "{unknown[0]}"; use ipa and respell only'
    ipa, respell = value.get("ipa"), value.get("respell", term)
    if not isinstance(ipa, str) or not ipa.strip():
        return None, f"has no ipa; {example}"
    if not isinstance(respell, str) or not respell.strip():
        return None, f"has an empty respell; {example}, or leave respell out"
    bad = sorted({c for c in ipa if c in "[]" or c.isdigit() or "A" <= c <= "Z"})
    if bad:
        return None, f'has "{bad[0]}" in its ipa, which is not IPA; remove it'
    if "g" in ipa:
        return None, 'has the letter "g" in its ipa; write "ɡ" (U+0261), the IPA g Piper knows'
    return LexiconRow(term, "phonemes", respell.strip(), ipa.strip()), ""
