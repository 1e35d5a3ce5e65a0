"""``narrate`` with a hook on its uploads, to stop a publish at an exact moment: run as
``python tests/publish_hook.py build ...`` (the command line's arguments).

- ``NARRATE_TEST_KILL_AT=PREFIX``: the process kills itself (SIGKILL: no clean-up runs) just
  before its first upload of a key starting with PREFIX.
- ``NARRATE_TEST_HOLD_AT=PREFIX=FLAG``: before uploading such a key, it creates FLAG.waiting
  and waits until FLAG exists.
- ``NARRATE_TEST_PUTS=FILE``: every uploaded key is appended to FILE, one per line.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from narrate import storage

_put = storage.ObjectStore.put


def _hooked(self: storage.ObjectStore, key: str, data: bytes, **options: Any) -> str:
    kill = os.environ.get("NARRATE_TEST_KILL_AT")
    if kill and key.startswith(kill):
        os.kill(os.getpid(), signal.SIGKILL)
    hold = os.environ.get("NARRATE_TEST_HOLD_AT", "")
    prefix, _, flag = hold.partition("=")
    if hold and key.startswith(prefix):
        Path(flag + ".waiting").touch()
        while not Path(flag).exists():
            time.sleep(0.05)
    if puts := os.environ.get("NARRATE_TEST_PUTS"):
        with open(puts, "a", encoding="utf-8") as log:
            log.write(key + "\n")
    return _put(self, key, data, **options)


storage.ObjectStore.put = _hooked  # type: ignore[method-assign]

if __name__ == "__main__":
    from narrate.cli import main

    sys.argv[0] = "narrate"
    sys.exit(main())
