"""synthesize_script with the clip cache: what is re-spoken, and what is reused."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from narrate.audio.cache import VOICES, ClipCache, clip_key
from narrate.audio.synthesize import Speaker, synthesize_script
from narrate.config import EngineSettings
from narrate.engines import Engine, load_engine
from narrate.models import Script, Segment, Speech


class _Counting:
    """Wraps an engine and records every text it is actually asked to speak."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.name = engine.name
        self.spoken: list[str] = []

    def fingerprint(self) -> str:
        return self.engine.fingerprint()

    def describe(self) -> str:
        return self.engine.describe()

    def synthesize(self, text: str) -> Speech:
        self.spoken.append(text)
        return self.engine.synthesize(text)


def _tone(length_scale: float = 1.0) -> _Counting:
    settings = EngineSettings("tone", "", "en-US", length_scale)
    return _Counting(load_engine(settings))


def _script(*spoken: str) -> Script:
    segments = tuple(
        Segment("body", 0, index // 2, text=words.capitalize(), spoken=words)
        for index, words in enumerate(spoken)
    )
    return Script(("Findings",), segments, "Not medical advice.")


SCRIPT = _script(
    "the trial enrolled forty people",
    "most of them improved",
    "side effects were mild",
    "more work is needed",
)


@pytest.fixture
def cache(tmp_path: Path) -> ClipCache:
    return ClipCache(tmp_path / "clips")


def test_second_run_comes_from_the_cache(cache: ClipCache) -> None:
    first_engine, second_engine = _tone(), _tone()

    first = synthesize_script(SCRIPT, first_engine, cache=cache)
    second = synthesize_script(SCRIPT, second_engine, cache=cache)

    assert [clip.cached for clip in first] == [False] * 4
    assert [clip.cached for clip in second] == [True] * 4
    assert first_engine.spoken == [segment.spoken for segment in SCRIPT.segments]
    assert second_engine.spoken == []
    assert [clip.parts for clip in second] == [clip.parts for clip in first]
    assert [clip.segment for clip in second] == list(SCRIPT.segments)
    assert {clip.voice for clip in second} == {"tone test voice"}


def test_without_a_cache_everything_is_spoken(cache: ClipCache) -> None:
    engine = _tone()

    clips = synthesize_script(SCRIPT, engine, cache=None)

    assert [clip.cached for clip in clips] == [False] * 4
    assert len(engine.spoken) == 4
    assert not cache.root.exists()


def test_changing_one_sentence_respeaks_only_that_sentence(cache: ClipCache) -> None:
    synthesize_script(SCRIPT, _tone(), cache=cache)
    edited = dataclasses.replace(
        SCRIPT,
        segments=(
            *SCRIPT.segments[:2],
            dataclasses.replace(SCRIPT.segments[2], spoken="side effects were mild and rare"),
            SCRIPT.segments[3],
        ),
    )
    engine = _tone()

    clips = synthesize_script(edited, engine, cache=cache)

    assert [clip.cached for clip in clips] == [True, True, False, True]
    assert engine.spoken == ["side effects were mild and rare"]
    assert clips[2].parts == (engine.engine.synthesize("side effects were mild and rare"),)


def test_another_engine_fingerprint_misses_the_cache(cache: ClipCache) -> None:
    normal = synthesize_script(SCRIPT, _tone(), cache=cache)
    slower_engine = _tone(length_scale=1.2)

    slower = synthesize_script(SCRIPT, slower_engine, cache=cache)

    assert [clip.cached for clip in slower] == [False] * 4
    assert len(slower_engine.spoken) == 4
    for fast, slow in zip(normal, slower, strict=True):
        assert len(slow.parts[0].data) > len(fast.parts[0].data)
    # Both voices now live side by side: neither evicted the other.
    assert [c.cached for c in synthesize_script(SCRIPT, _tone(), cache=cache)] == [True] * 4


def test_a_torn_entry_is_spoken_again(cache: ClipCache) -> None:
    first = synthesize_script(SCRIPT, _tone(), cache=cache)
    key = clip_key(_tone().fingerprint(), SCRIPT.segments[1].spoken)
    (audio,) = cache.root.rglob(f"{key}.audio")
    audio.write_bytes(audio.read_bytes()[:100])  # as if the machine stopped mid-write
    engine = _tone()

    second = synthesize_script(SCRIPT, engine, cache=cache)

    assert [clip.cached for clip in second] == [True, False, True, True]
    assert engine.spoken == [SCRIPT.segments[1].spoken]
    assert second[1].parts == first[1].parts
    # The entry was repaired: the next run reuses it.
    assert [c.cached for c in synthesize_script(SCRIPT, _tone(), cache=cache)] == [True] * 4


@pytest.mark.parametrize(("jobs", "waits"), [(1, False), (2, False), (3, True)])
def test_workers_wait_for_one_another_to_prepare_the_voice_only_without_a_core_each(
    cache: ClipCache, jobs: int, waits: bool
) -> None:
    """With a core each, a worker that finds another preparing the voice prepares its own
    copy (its core would only wait); with more workers than cores, it waits for the copy."""
    settings = EngineSettings("tone", "", "en-US", 1.0)
    with Speaker(settings, settings, cache, jobs, cores=2) as speaker:
        assert speaker.settings.wait_for_preparation is waits
        assert speaker.settings.prepared_dir == str(cache.root / VOICES)


def test_a_build_speaks_through_synthesize_script(
    cache: ClipCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One synthesis path: the Speaker a build uses goes through the stage the tests hold,
    fallback and all, and counts every phrase an engine spoke, the fallback's too."""
    import narrate.audio.synthesize

    calls: list[Script] = []

    def spy(script: Script, *args: object, **options: object) -> object:
        calls.append(script)
        return synthesize_script(script, *args, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(narrate.audio.synthesize, "synthesize_script", spy)
    settings = EngineSettings("tone", "", "en-US", 1.0)
    with Speaker(settings, settings, cache, 1) as speaker:
        speaker.engine = _Failing(speaker.engine)
        speaker.submit(SCRIPT)
        clips = speaker.clips(SCRIPT)
    assert calls == [SCRIPT]
    assert {clip.voice for clip in clips} == {speaker.fallback.describe()}  # type: ignore[union-attr]
    assert speaker.synthesized == sum(len(clip.parts) for clip in clips) > 0


class _Failing(_Counting):
    def synthesize(self, text: str) -> Speech:
        from narrate.errors import EngineError

        raise EngineError("the voice is gone")
