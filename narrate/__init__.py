"""narrate: turn plain-language research summaries into an accessible podcast, offline."""

from __future__ import annotations

__version__ = "0.1.0"
