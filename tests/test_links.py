"""link_problem: only absolute http(s) links may be published, however the others are dressed."""

from __future__ import annotations

import pytest
from conftest import UNSAFE_LINKS

from narrate.links import link_problem, safe_link, shown


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/summaries/one",
        "http://example.org",
        "HTTPS://Example.org/a?b=c#d",
        "https://[2001:db8::1]:8443/x",
        "https://example.org/a%20b",
    ],
)
def test_absolute_http_links_are_published(url: str) -> None:
    assert link_problem(url) is None
    assert safe_link(url) == url


@pytest.mark.parametrize("url", UNSAFE_LINKS.values(), ids=UNSAFE_LINKS)
def test_every_other_link_is_refused_with_a_reason(url: str) -> None:
    problem = link_problem(url)
    assert problem and "\n" not in problem
    assert safe_link(url) is None


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (
            "javascript:alert(1)",
            'is a "javascript:" link; only http:// and https:// links are published',
        ),
        ("evil.example/x", 'is not a whole link; write it in full, starting with "https://"'),
        ("//evil.example/x", 'is not a whole link; write it in full, starting with "https://"'),
        ("localhost:8000/x", 'is not a whole link; write it in full, starting with "https://"'),
        ("https:evil", 'has no host name; write it in full, like "https://example.org/page"'),
        ("java\tscript:x", r"has an invisible character (\t) in it, at character 5; remove it"),
        ("https://a.org/b c", "has a space in it, at character 16; write it as %20"),
    ],
)
def test_the_reason_says_what_is_wrong_and_what_to_do(url: str, problem: str) -> None:
    assert link_problem(url) == problem


def test_shown_makes_the_invisible_visible() -> None:
    assert shown("a\tb\x1b\u200bc d") == r"a\tb\x1b\u200bc d"
