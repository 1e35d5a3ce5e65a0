"""Stage: synthesize_script(script, engine, cache) -> list[Clip], and ``Speaker``, which does
the same for many episodes at once on every core.

Each segment is spoken phrase by phrase (see ``breath_groups``) so mixdown can give the
listener a breath between phrases; each phrase is cached by what makes its sound.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache

from narrate.audio.cache import VOICES, ClipCache, clip_key
from narrate.config import EngineSettings
from narrate.engines import Engine, load_engine
from narrate.errors import EngineError
from narrate.models import Clip, Script, Segment, Speech
from narrate.processes import worker_pool
from narrate.text.sentences import breath_groups

log = logging.getLogger(__name__)


def synthesize_script(
    script: Script,
    engine: Engine,
    fallback: Engine | None = None,
    *,
    cache: ClipCache | None = None,
    speak: Callable[[str], Speech] | None = None,
    spoken: Callable[[], None] | None = None,
    warned: set[str] | None = None,
) -> list[Clip]:
    """Speak every segment, reusing cached audio for phrases whose sound cannot have changed.

    If ``engine`` fails and a ``fallback`` is given, the whole episode is spoken by the
    fallback: one voice per episode, never a switch mid-way. ``speak`` speaks a phrase in
    ``engine``'s voice (default: ``engine.synthesize``; a build hands in what its workers
    speak, see ``Speaker``); ``spoken`` is told of every phrase an engine spoke. A failure
    already in ``warned`` (said for an episode before) is not said again; it is added.
    """
    told = spoken or (lambda: None)

    def counted(say: Callable[[str], Speech]) -> Callable[[str], Speech]:
        def speak_and_tell(phrase: str) -> Speech:
            speech = say(phrase)
            told()
            return speech

        return speak_and_tell

    try:
        return _collect(script, engine, cache, counted(speak or engine.synthesize))
    except EngineError as error:
        if fallback is None:
            raise
        said = f"{engine.name} failed ({error}); speaking the episode with {fallback.describe()}"
        if warned is None or said not in warned:
            log.warning("%s", said)
        else:
            log.debug("%s", said)
        if warned is not None:
            warned.add(said)
        return _collect(script, fallback, cache, counted(fallback.synthesize))


def _collect(
    script: Script,
    engine: Engine,
    cache: ClipCache | None,
    speak: Callable[[str], Speech],
) -> list[Clip]:
    """Clips for every segment: cached phrases, else ``speak(phrase)``, stored back."""
    fingerprint, voice = engine.fingerprint(), engine.describe()
    clips: list[Clip] = []
    for segment in script.segments:
        parts: list[Speech] = []
        all_cached = True
        for phrase in breath_groups(segment.spoken):
            key = clip_key(fingerprint, phrase)
            speech = cache.get(key) if cache else None
            if speech is None:
                all_cached = False
                speech = speak(phrase)
                if cache:
                    cache.put(key, speech)
            parts.append(speech)
        clips.append(Clip(segment, tuple(parts), voice, all_cached))
    return clips


@dataclass
class Pending:
    """An episode whose phrases are being spoken."""

    script: Script
    """What is being spoken."""
    futures: dict[str, Future[Speech]]
    """Phrases not in the cache, being spoken by workers."""


class Speaker:
    """Speaks the scripts of a whole build: ``jobs`` worker processes, each loading the voice
    once (``jobs`` 1: in this process), while this process mixes what is finished.

    Use ``submit`` for the next few episodes, then ``clips`` for each in turn (``clips``
    alone speaks an episode in this process).
    """

    def __init__(
        self,
        engine: EngineSettings,
        fallback: EngineSettings | None,
        cache: ClipCache | None,
        jobs: int,
        on_phrase: Callable[[], None] | None = None,
        cores: int | None = None,
    ) -> None:
        kept = str(cache.root / VOICES) if cache else ""
        # With a core each, a worker that finds another preparing the voice prepares its own
        # copy (its core would only wait); with more workers than cores (default: those
        # this process may run on), it waits for it.
        wait = jobs > (cores or _cores())

        def one_core(voice: EngineSettings) -> EngineSettings:
            return replace(voice, threads=1, prepared_dir=kept, wait_for_preparation=wait)

        self.settings = one_core(engine)
        self.engine = load_engine(self.settings)
        self.fallback = load_engine(one_core(fallback)) if fallback else None
        self.cache = cache
        self.jobs = jobs
        self.synthesized = 0
        """Phrases spoken by an engine (not from the cache) so far."""
        self._on_phrase = on_phrase or (lambda: None)
        self._pool: ProcessPoolExecutor | None = None
        self.workers = jobs
        """Worker processes speaking (``warm_up`` may start fewer than ``jobs``)."""
        self._fingerprint = self.engine.fingerprint()
        self._warned: set[str] = set()
        """What went wrong with the voice, said once a build (see ``synthesize_script``)."""
        self._ahead: dict[int, Pending] = {}
        """Scripts submitted, by identity (``Pending`` holds the script, so the id stays its
        own until ``clips`` collects it)."""

    def __enter__(self) -> Speaker:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def warm_up(self, phrases: int) -> None:
        """Start the workers now, so they load the voice while this process does other work:
        no more of them than there are ``phrases`` to speak (an edit needs one)."""
        if self.jobs > 1:
            self.workers = max(1, min(self.jobs, phrases))
            for _ in range(self.workers):
                self._workers().submit(_ready)

    def submit(self, script: Script) -> None:
        """Start speaking the phrases of ``script`` that are not cached (workers only), for
        ``clips`` to collect; a script already submitted is left as it is."""
        if id(script) in self._ahead:
            return
        futures: dict[str, Future[Speech]] = {}
        if self.jobs > 1:
            # Longest first: the last phrases to finish are short ones, so no worker idles
            # long at the episode's end while another speaks a long sentence.
            wanted = dict(self._phrases(script.segments))
            for key, phrase in sorted(wanted.items(), key=lambda item: -len(item[1])):
                if not (self.cache and self.cache.has(key)):
                    futures[key] = self._workers().submit(_speak_in_worker, self.settings, phrase)
        self._ahead[id(script)] = Pending(script, futures)

    def to_speak(self, script: Script) -> int:
        """How many different phrases of ``script`` the cache does not hold."""
        keys = {key for key, _ in self._phrases(script.segments)}
        return sum(1 for key in keys if not (self.cache and self.cache.has(key)))

    def _phrases(self, segments: Sequence[Segment]) -> list[tuple[str, str]]:
        """Each phrase of ``segments`` in order, with its cache key for the main voice."""
        return [
            (clip_key(self._fingerprint, phrase), phrase)
            for segment in segments
            for phrase in breath_groups(segment.spoken)
        ]

    def clips(self, script: Script) -> list[Clip]:
        """The episode's clips, waiting for the phrases ``submit`` started (speaking the rest
        here); the fallback speaks it on failure."""
        pending = self._ahead.pop(id(script), None) or Pending(script, {})

        def speak(phrase: str) -> Speech:
            future = pending.futures.get(clip_key(self._fingerprint, phrase))
            return future.result() if future else self.engine.synthesize(phrase)

        try:
            return synthesize_script(
                script, self.engine, self.fallback, cache=self.cache, speak=speak,
                spoken=self._spoken, warned=self._warned,
            )  # fmt: skip
        finally:
            for future in pending.futures.values():
                future.cancel()  # those not started, when the fallback spoke instead

    def _spoken(self) -> None:
        self.synthesized += 1
        self._on_phrase()

    def _workers(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = worker_pool(self.workers, _start_worker, (self.settings,))
        return self._pool


def _cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@lru_cache(maxsize=2)
def _voice(settings: EngineSettings) -> Engine:
    """The voice ``settings`` describe, loaded once per worker process (by its initializer)."""
    return load_engine(settings)


def _start_worker(settings: EngineSettings) -> None:
    """Load the voice once per worker process."""
    _voice(settings)


def _ready() -> None:
    """Nothing: a worker is ready once its initializer has loaded the voice."""


def _speak_in_worker(settings: EngineSettings, phrase: str) -> Speech:
    return _voice(settings).synthesize(phrase)
