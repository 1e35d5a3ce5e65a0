"""Markdown summaries: YAML front matter (title, date, source_url, disclaimer), then the body,
each ``##`` heading starting a chapter and a ``#`` heading standing for the title.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from narrate.errors import SourceError
from narrate.models import Section
from narrate.text.page_dump import is_disclaimer

_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)


def read_markdown(path: Path, text: str) -> tuple[dict[str, Any], list[Section], str | None]:
    """Front matter (as a dict), chapters (one a ``##`` heading) and disclaimer of a Markdown
    summary; ``SourceError`` naming the file when its front matter cannot be read."""
    meta: dict[str, Any] = {}
    match = _FRONT_MATTER_RE.match(text)
    if match:
        import yaml

        try:
            loaded = yaml.load(match.group(1), Loader=_yaml_loader())
        except _ImpossibleDate as error:
            raise SourceError(not_a_date(path, error.value)) from None
        except ValueError:  # an integer longer than Python converts (4,300 digits)
            raise SourceError(
                f"{path}: front matter holds a number too long to read; "
                'write it as "key: value" lines between two --- lines'
            ) from None
        except RecursionError:  # [[[[...]]]] nested thousands deep
            raise SourceError(
                f"{path}: front matter is nested too deeply to read; "
                'write it as "key: value" lines between two --- lines'
            ) from None
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f" (line {mark.line + 2})" if mark is not None else ""
            raise SourceError(
                f"{path}: front matter is not valid YAML{where}; "
                'write it as "key: value" lines between two --- lines'
            ) from None
        if loaded is not None and not isinstance(loaded, dict):
            raise SourceError(f"{path}: front matter must be key: value lines (title, date, ...)")
        meta = loaded or {}
        text = text[match.end() :]
    sections: list[Section] = []
    title, disclaimer = "", None
    paragraphs: list[str] = []
    heading_title: str | None = None
    for block in _markdown_blocks(text):
        if block.startswith("## "):
            if paragraphs:
                sections.append(Section(title or "Summary", tuple(paragraphs)))
            title, paragraphs = _inline(block[3:]), []
        elif block.startswith("# "):
            heading_title = heading_title or _inline(block[2:])
        elif is_disclaimer(block):
            disclaimer = _inline(block)
        else:
            paragraphs.append(_inline(block))
    if paragraphs:
        sections.append(Section(title or "Summary", tuple(paragraphs)))
    if heading_title and "title" not in meta:
        meta["title"] = heading_title
    return meta, sections, disclaimer


class _ImpossibleDate(Exception):
    """A YAML date such as 2026-02-30, which PyYAML reports without saying which."""

    def __init__(self, value: str) -> None:
        super().__init__(value)
        self.value = value


@lru_cache(maxsize=1)
def _yaml_loader() -> type[Any]:
    """PyYAML's safe loader, except that an impossible date names itself."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
        try:
            return loader.construct_yaml_timestamp(node)
        except ValueError:
            raise _ImpossibleDate(str(node.value)) from None

    Loader.add_constructor("tag:yaml.org,2002:timestamp", timestamp)
    return Loader


def not_a_date(path: Path, value: object) -> str:
    """The error for a front matter date that is no date: "2026-02-30"."""
    return f'{path}: front matter date "{value}" is not a real date; write it as 2026-11-20'


def _markdown_blocks(text: str) -> list[str]:
    """Paragraphs, headings and list items of a Markdown body, one string each."""
    blocks: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            blocks.append(" ".join(current))
            current.clear()

    for raw in text.split("\n"):
        line = raw.strip()
        if not line or re.match(r"^(-{3,}|\*{3,}|_{3,})$", line):
            flush()
        elif line.startswith("#"):
            flush()
            level = len(line) - len(line.lstrip("#"))
            blocks.append(("## " if level >= 2 else "# ") + line.lstrip("#").strip())
        elif re.match(r"^([-*+]|\d+[.)])\s+", line):
            flush()
            item = re.sub(r"^([-*+]|\d+[.)])\s+", "", line)
            current.append(item if item[-1:] in ".!?:;" else item + ".")
        else:
            current.append(line.lstrip("> ").strip())
    flush()
    return [b for b in blocks if b.strip("# ")]


def _inline(text: str) -> str:
    """Markdown inline syntax to plain text: links keep their words, emphasis goes."""
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    text = re.sub(r"(\*\*|__|\*|`)", "", text)
    text = re.sub(r"(?<!\w)_(\S[^_]*?)_(?!\w)", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()
