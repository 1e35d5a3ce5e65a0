"""Piper: the engine (``engine``), the reshaped graph it runs (``graph``) and the store of
voices prepared for this processor (``prepared``)."""
