"""Speech rules: small pure functions listed once (``normalize.RULES``), numbers and the
context they are read in."""
