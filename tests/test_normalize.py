"""Speech rules: one (written, spoken) table per rule in RULES, and one for normalize()."""

from __future__ import annotations

import pytest

from narrate.normalize import (
    RULES,
    ampersand_to_and,
    dashes_to_pauses,
    normalize,
    parentheses_to_pauses,
    tidy_spacing,
    unify_quotes,
)

DISCLAIMER = "AI-generated summary — for informational purposes only, not medical advice"


def test_rules_are_listed_once_in_order() -> None:
    assert [rule.__name__ for rule in RULES] == [
        "unify_quotes",
        "number_ranges",
        "dashes_to_pauses",
        "parentheses_to_pauses",
        "ampersand_to_and",
        "tidy_spacing",
    ]
    assert len(set(RULES)) == len(RULES)


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("cell ‘eating’ of debris", "cell 'eating' of debris"),
        ("the cell’s energy factories", "the cell's energy factories"),
        ("“sparks” that burn", '"sparks" that burn'),
        ("plain 'ascii' stays", "plain 'ascii' stays"),
    ],
)
def test_unify_quotes(written: str, spoken: str) -> None:
    assert unify_quotes(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        (DISCLAIMER, "AI-generated summary, for informational purposes only, not medical advice"),
        ("summary — for information", "summary, for information"),
        (
            "material—accessible via the section above—and",
            "material, accessible via the section above, and",
        ),
        ("two groups – both small", "two groups, both small"),
        ("a spaced - hyphen", "a spaced, hyphen"),
        ("monocyte-derived macrophages", "monocyte-derived macrophages"),
        ("AI-generated", "AI-generated"),
    ],
)
def test_dashes_to_pauses(written: str, spoken: str) -> None:
    assert dashes_to_pauses(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        (
            "reactive oxygen species (ROS), chemicals",
            "reactive oxygen species, ROS, chemicals",
        ),
        ("oxygen species (mtROS).", "oxygen species, mtROS."),
        (
            "mitochondria (the cell's energy factories) of MdMs",
            "mitochondria, the cell's energy factories, of MdMs",
        ),
        ("microglia ( born in the brain ) and", "microglia, born in the brain, and"),
        (
            "inflammation (new relapses or MRI activity) could",
            "inflammation, new relapses or MRI activity, could",
        ),
    ],
)
def test_parentheses_to_pauses(written: str, spoken: str) -> None:
    assert parentheses_to_pauses(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("R&D", "R and D"),
        ("salt & pepper", "salt and pepper"),
        ("Health & Fitness", "Health and Fitness"),
        ("no ampersand here", "no ampersand here"),
    ],
)
def test_ampersand_to_and(written: str, spoken: str) -> None:
    assert ampersand_to_and(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("a ,  b ,, c", "a, b, c"),
        ("species, ROS, , chemicals", "species, ROS, chemicals"),
        ("ends with a pause, .", "ends with a pause."),
        (", leading and trailing ,", "leading and trailing"),
        ("tabs\tand\nnewlines", "tabs and newlines"),
        ("Already tidy.", "Already tidy."),
    ],
)
def test_tidy_spacing(written: str, spoken: str) -> None:
    assert tidy_spacing(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        (DISCLAIMER, "AI-generated summary, for informational purposes only, not medical advice"),
        (
            "made more reactive oxygen species (ROS), chemicals that can damage cells",
            "made more reactive oxygen species, ROS, chemicals that can damage cells",
        ),
        (
            "harmful mitochondrial reactive oxygen species (mtROS).",
            "harmful mitochondrial reactive oxygen species, mtROS.",
        ),
        (
            "microglia (born and living in the brain) and monocyte-derived macrophages "
            "(MdMs, immune cells that enter the brain during inflammation).",
            "microglia, born and living in the brain, and monocyte-derived macrophages, "
            "MdMs, immune cells that enter the brain during inflammation.",
        ),
        ("during cell ‘eating’ of debris", "during cell 'eating' of debris"),
        (
            "the source material—accessible via (More Details)—and",
            "the source material, accessible via, More Details, and",
        ),
        ("R&D (early) — promising.", "R and D, early, promising."),
        ("(MdMs) are immune cells", "MdMs, are immune cells"),
        ("empty () parentheses", "empty, parentheses"),
        ("", ""),
    ],
)
def test_normalize(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


@pytest.mark.parametrize(
    "written",
    [DISCLAIMER, "species (ROS), chemicals", "R&D — “quoted” (x)."],
)
def test_normalize_is_idempotent(written: str) -> None:
    once = normalize(written)
    assert normalize(once) == once


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("adults aged 18–65 took part", "adults aged 18 to 65 took part"),
        ("in 2019–2021, relapses fell", "in 2019 to 2021, relapses fell"),
    ],
)
def test_number_ranges_are_read_as_to(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


def test_nested_parentheses_become_pauses() -> None:
    assert normalize("macrophages (MdMs (monocyte-derived) cells) enter") == (
        "macrophages, MdMs, monocyte-derived, cells, enter"
    )
