"""The house's size limits (STYLE.md): no module under narrate/ over 400 lines and no function
over 60; past them, split by noun. Only a flat declaration list (one entry a line, no logic)
may run longer, named in ``LONG_FUNCTIONS_ALLOWED``."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from conftest import REPO

MODULE_LINES = 400
FUNCTION_LINES = 60

LONG_FUNCTIONS_ALLOWED: set[str] = set()
"""Functions (``path:qualified name``) that may pass ``FUNCTION_LINES``: flat declaration
lists only, each with a comment saying why."""


def _modules() -> list[Path]:
    return sorted((REPO / "narrate").rglob("*.py"))


def _functions(node: ast.AST, prefix: str = "") -> Iterator[tuple[str, int]]:
    """Each function and method under ``node``, nested ones too: qualified name, lines."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            name = prefix + child.name
            if not isinstance(child, ast.ClassDef):
                yield name, (child.end_lineno or child.lineno) - child.lineno + 1
            yield from _functions(child, name + ".")
        else:
            yield from _functions(child, prefix)


def _long_functions() -> dict[str, int]:
    return {
        f"{path.relative_to(REPO).as_posix()}:{name}": lines
        for path in _modules()
        for name, lines in _functions(ast.parse(path.read_text(encoding="utf-8")))
        if lines > FUNCTION_LINES
    }


def test_no_module_is_over_400_lines() -> None:
    lengths = {
        path.relative_to(REPO).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in _modules()
    }
    assert {path: n for path, n in lengths.items() if n > MODULE_LINES} == {}, "split by noun"


def test_no_function_is_over_60_lines() -> None:
    long = {key: n for key, n in _long_functions().items() if key not in LONG_FUNCTIONS_ALLOWED}
    assert long == {}, "split into helpers, or list a flat declaration list as allowed"


def test_every_function_allowed_to_be_long_still_is() -> None:
    """An entry whose function was split, renamed or removed leaves the list, so that the
    list names only what it excuses."""
    assert LONG_FUNCTIONS_ALLOWED - set(_long_functions()) == set()
