"""``python -m narrate``."""

from __future__ import annotations

import sys

from narrate.cli import main

sys.exit(main())
