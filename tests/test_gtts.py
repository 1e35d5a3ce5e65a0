"""gTTS in depth: how text is cut into requests, and how each failure is retried or reported.

Google is faked at gTTS's HTTP layer (``requests.Session.send``), as in test_engines.py; the
engine's ``sleep`` and ``rand`` are stubbed, so backoff is asserted, not waited for.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
from collections import Counter
from itertools import pairwise
from typing import Any
from urllib.parse import unquote

import pytest
import requests
from google_stub import Responder
from google_stub import batchexecute_body as _batchexecute_body
from google_stub import raising as _raise
from google_stub import response as _response
from google_stub import status as _status
from hypothesis import given
from hypothesis import strategies as st

from narrate.audio.synthesize import synthesize_script
from narrate.config import EngineSettings
from narrate.engines import load_engine
from narrate.engines.gtts import GttsEngine, split_for_gtts
from narrate.errors import EngineError
from narrate.models import Script, Segment

OFFLINE_FIX = 'engine = "piper"'
TIMEOUT_S = 4.0

# -- splitting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "limit", "pieces"),
    [
        ("Hello there.", 100, ["Hello there."]),
        ("  Hello \n\t there. ", 100, ["Hello there."]),
        ("", 100, []),
        (" \n ", 100, []),
        ("x" * 50 + " " + "y" * 49, 100, ["x" * 50 + " " + "y" * 49]),  # exactly 100 fits
        ("aaa bbb ccc ddd", 7, ["aaa bbb", "ccc ddd"]),  # spaces, when nothing better
        ("alpha beta; gamma delta epsilon", 20, ["alpha beta;", "gamma delta epsilon"]),
        ("One, two. Three, four", 15, ["One, two.", "Three, four"]),  # sentence over clause
        ("One. Two, three four five", 16, ["One.", "Two,", "three four five"]),
        ("first part — second part and more", 15, ["first part —", "second part and", "more"]),
        ("aged eighteen – sixty five years", 15, ["aged eighteen –", "sixty five", "years"]),
        ("note this: it matters a lot", 15, ["note this:", "it matters a", "lot"]),
        ('He said "stop." Then we went on', 20, ['He said "stop."', "Then we went on"]),
        ("Why? Because it works", 15, ["Why?", "Because it", "works"]),
        ("a supercalifragilistic b", 10, ["a", "supercalifragilistic", "b"]),  # never cut
        # The break before an over-long word is forced, so nothing earlier is given up for it.
        ("One. two three verylongwordhere", 15, ["One. two three", "verylongwordhere"]),
    ],
)
def test_split_for_gtts_prefers_sentences_then_clauses_then_spaces(
    text: str, limit: int, pieces: list[str]
) -> None:
    assert split_for_gtts(text, limit) == pieces


def test_split_for_gtts_rejects_a_limit_below_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        split_for_gtts("text", 0)


_WORDS = st.text(alphabet=st.sampled_from(list("abcXYZé1.,;:!?—–\"')…-")), min_size=1, max_size=30)
_SPACES = st.sampled_from([" ", "  ", "\n", "\t", " \n "])


@st.composite
def _texts(draw: st.DrawFn) -> str:
    words = draw(st.lists(_WORDS, max_size=40))
    spaces = draw(st.lists(_SPACES, min_size=len(words) + 1, max_size=len(words) + 1))
    return spaces[0] + "".join(word + space for word, space in zip(words, spaces[1:], strict=True))


def _rank(word: str) -> int:
    """The test's own reading of a break's quality: 2 sentence end, 1 clause end, 0 space."""
    last = word.rstrip("\"'”’)]}»")[-1:]
    return 2 if last and last in ".!?…" else 1 if last and last in ",;:—–" else 0


@given(text=_texts(), limit=st.integers(min_value=1, max_value=120))
def test_split_for_gtts_keeps_every_word_whole_in_order_and_within_the_limit(
    text: str, limit: int
) -> None:
    pieces = split_for_gtts(text, limit)

    assert [word for piece in pieces for word in piece.split()] == text.split()
    for piece in pieces:
        assert piece == " ".join(piece.split())  # non-empty, single spaces, trimmed
        assert len(piece) <= limit or len(piece.split()) == 1
    if len(" ".join(text.split())) <= limit:
        assert len(pieces) <= 1
    for piece, following in pairwise(pieces):
        *inner, last = piece.split()
        # A piece never passes over a better break than the one it ends on (unless the next
        # word is too long to share a piece, which forces the break)...
        if len(following.split()[0]) <= limit:
            assert all(_rank(word) <= _rank(last) for word in inner), (piece, following)
        # ...and it stops short of the limit only for a strictly better break.
        length = len(piece)
        for word in following.split():
            length += 1 + len(word)
            if length > limit:
                break
            assert _rank(word) < _rank(last), (piece, following)


# -- a fake Google -----------------------------------------------------------------------------


def _settings(**changes: Any) -> EngineSettings:
    base = EngineSettings(
        name="gtts", voice="", language="en-US", length_scale=1.0,
        options=(("timeout_s", TIMEOUT_S),),
    )  # fmt: skip
    return dataclasses.replace(base, **changes)


def _spoken(call: dict[str, Any]) -> str:
    """The text one request asked Google to speak."""
    form = unquote(call["request"].body.removeprefix("f.req=").rstrip("&"))
    text: str = json.loads(json.loads(form)[0][0][1])[0]
    return text


def _ffmpeg() -> str:
    import imageio_ffmpeg

    exe: str = imageio_ffmpeg.get_ffmpeg_exe()
    return exe


def _seconds(mp3_data: bytes) -> float:
    """How long ``mp3_data`` plays, decoded by ffmpeg."""
    command = [_ffmpeg(), "-hide_banner", "-loglevel", "error", "-i", "pipe:0"]
    command += ["-f", "s16le", "-ac", "1", "-ar", "8000", "pipe:1"]
    pcm = subprocess.run(command, input=mp3_data, capture_output=True, check=True, timeout=60)
    return len(pcm.stdout) / 2 / 8000


def _in_turn(*responders: Responder) -> Responder:
    """Answer with each responder once, in order, then with the last one for good."""
    queue = list(responders)

    def respond(request: requests.PreparedRequest) -> requests.Response:
        return (queue.pop(0) if len(queue) > 1 else queue[0])(request)

    return respond


@pytest.fixture
def sleeps() -> list[float]:
    """Every wait the engine asked for, in order."""
    return []


def _engine(sleeps: list[float], **changes: Any) -> GttsEngine:
    """An engine whose jitter always draws its upper bound, and whose waits are only recorded."""
    attempts = changes.pop("attempts", 4)
    return GttsEngine(
        _settings(**changes), attempts=attempts, sleep=sleeps.append, rand=lambda low, high: high
    )


# -- retries -----------------------------------------------------------------------------------


def test_rate_limit_then_success_retries_once(google, sleeps: list[float], mp3: bytes) -> None:
    calls = google(_in_turn(_status(429, b"slow down"), _status(200, _batchexecute_body(mp3))))

    speech = _engine(sleeps).synthesize("Hello there.")

    assert speech.data == mp3
    assert len(calls) == 2
    assert sleeps == [0.5]
    assert all(call["timeout"] == (min(3.05, TIMEOUT_S), TIMEOUT_S) for call in calls)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_back_off_exponentially_then_fail(
    google, sleeps: list[float], status: int
) -> None:
    calls = google(_status(status, b"oops"))

    with pytest.raises(EngineError) as caught:
        _engine(sleeps).synthesize("Hello there.")

    assert len(calls) == 4
    assert sleeps == [0.5, 1.0, 2.0]
    assert f"HTTP {status}" in str(caught.value)
    assert OFFLINE_FIX in str(caught.value)
    assert all(call["timeout"] == (min(3.05, TIMEOUT_S), TIMEOUT_S) for call in calls)


def test_backoff_is_capped_at_eight_seconds(google, sleeps: list[float]) -> None:
    calls = google(_status(503))

    with pytest.raises(EngineError):
        _engine(sleeps, attempts=8).synthesize("Hello there.")

    assert len(calls) == 8
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_each_wait_is_drawn_below_its_bound(google) -> None:
    """Full jitter: the wait is uniform between 0 and the exponential bound."""
    google(_status(500))
    bounds: list[tuple[float, float]] = []
    waits: list[float] = []

    def draw(low: float, high: float) -> float:
        bounds.append((low, high))
        return high / 3

    engine = GttsEngine(_settings(), sleep=waits.append, rand=draw)
    with pytest.raises(EngineError):
        engine.synthesize("Hello there.")

    assert bounds == [(0.0, 0.5), (0.0, 1.0), (0.0, 2.0)]
    assert waits == [0.5 / 3, 1.0 / 3, 2.0 / 3]


def test_timeouts_are_retried_then_reported(google, sleeps: list[float]) -> None:
    calls = google(_raise(requests.exceptions.ReadTimeout("read timed out")))

    with pytest.raises(EngineError) as caught:
        _engine(sleeps).synthesize("Hello there.")

    assert len(calls) == 4
    assert sleeps == [0.5, 1.0, 2.0]
    assert "did not answer in time" in str(caught.value)
    assert OFFLINE_FIX in str(caught.value)


def test_a_timeout_then_success_speaks(google, sleeps: list[float], mp3: bytes) -> None:
    calls = google(
        _in_turn(_raise(requests.exceptions.Timeout()), _status(200, _batchexecute_body(mp3)))
    )

    assert _engine(sleeps).synthesize("Hello there.").data == mp3
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (requests.exceptions.ConnectionError("[Errno 111] Connection refused"), "could not reach"),
        (requests.exceptions.ConnectionError("Name or service not known"), "could not reach"),
        (requests.exceptions.ConnectTimeout("connect timed out"), "did not answer in time"),
    ],
)
def test_unreachable_google_is_tried_twice_only(
    google, sleeps: list[float], error: Exception, says: str
) -> None:
    calls = google(_raise(error))

    with pytest.raises(EngineError) as caught:
        _engine(sleeps, attempts=10).synthesize("Hello there.")

    assert len(calls) == 2
    assert sleeps == [0.5]
    assert says in str(caught.value)
    assert OFFLINE_FIX in str(caught.value)
    assert "fallback_engine" in str(caught.value)


def test_connection_failures_count_within_the_same_budget(google, sleeps: list[float]) -> None:
    refused = _raise(requests.exceptions.ConnectionError("Connection refused"))
    calls = google(_in_turn(_status(503), refused, _status(503), refused))

    with pytest.raises(EngineError) as caught:
        _engine(sleeps).synthesize("Hello there.")

    assert len(calls) == 4
    assert "could not reach" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "hint"),
    [(400, 'language "de"'), (403, "pip install -U gtts"), (404, '"com"'), (451, "HTTP 451")],
)
def test_client_errors_other_than_429_fail_at_once(
    google, sleeps: list[float], status: int, hint: str
) -> None:
    calls = google(_status(status, b"no"))

    with pytest.raises(EngineError) as caught:
        _engine(sleeps, language="de-DE").synthesize("Guten Tag.")

    assert len(calls) == 1
    assert sleeps == []
    message = str(caught.value)
    assert f"HTTP {status}" in message
    assert hint in message
    assert OFFLINE_FIX in message


def test_rate_limit_every_time_says_too_many_requests(google, sleeps: list[float]) -> None:
    calls = google(_status(429))

    with pytest.raises(EngineError) as caught:
        _engine(sleeps).synthesize("Hello there.")

    assert len(calls) == 4
    message = str(caught.value).lower()
    assert "429" in message and "too many requests" in message


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(_status(200, b"<html>consent page</html>"), id="html-page"),
        pytest.param(_status(200, _batchexecute_body(b"<html>not audio</html>")), id="not-mp3"),
        pytest.param(_status(200, _batchexecute_body("abcde")), id="garbled-base64"),
        pytest.param(_status(200, _batchexecute_body(b"\xff\xfb" + bytes(64))[:60]), id="cut"),
        pytest.param(_raise(requests.exceptions.ChunkedEncodingError("cut")), id="broke-off"),
    ],
)
def test_answers_without_audio_are_retried(
    google, sleeps: list[float], mp3: bytes, bad: Responder
) -> None:
    calls = google(_in_turn(bad, _status(200, _batchexecute_body(mp3))))

    assert _engine(sleeps).synthesize("Hello there.").data == mp3
    assert len(calls) == 2
    assert sleeps == [0.5]


def test_answers_never_with_audio_say_so(google, sleeps: list[float]) -> None:
    calls = google(_status(200, _batchexecute_body(b"<html>not audio</html>")))

    with pytest.raises(EngineError) as caught:
        _engine(sleeps).synthesize("Hello there.")

    assert len(calls) == 4
    assert "answered without audio" in str(caught.value)
    assert "HTTP 200" not in str(caught.value)


def test_unknown_language_fails_before_any_request(google, sleeps: list[float]) -> None:
    calls = google(_status(500))

    with pytest.raises(EngineError) as caught:
        _engine(sleeps, language="xx-YY").synthesize("Hello there.")

    assert calls == []
    assert '"xx"' in str(caught.value)


def test_punctuation_alone_is_nothing_to_speak(google, sleeps: list[float]) -> None:
    calls = google(_status(500))

    with pytest.raises(EngineError, match="nothing to speak"):
        _engine(sleeps).synthesize(" ... — !")

    assert calls == []


def test_a_failing_google_hands_the_episode_to_the_fallback_voice(
    google, sleeps: list[float]
) -> None:
    calls = google(_status(503))
    tone = load_engine(_settings(name="tone"))
    segments = tuple(Segment("body", 0, 0, text, text) for text in ("One.", "Two."))

    clips = synthesize_script(Script(("A",), segments, "d"), _engine(sleeps), tone)

    assert [clip.voice for clip in clips] == [tone.describe()] * 2
    assert len(calls) == 4  # gTTS gave up on the first phrase, within its budget


# -- long text ---------------------------------------------------------------------------------

LONG_TEXT = (
    "Macrophages are immune cells that patrol the body and swallow whatever does not belong "
    "there. When they meet bacteria, they produce reactive oxygen species, small but highly "
    "reactive molecules; these damage the microbes from within. The new study shows that a "
    "protein called NADPH oxidase controls this burst, switching it on within seconds — and "
    "that mice lacking it clear infections far more slowly, sometimes not at all, even when "
    "treated with the usual antibiotics for several days in a row."
)


def test_long_text_is_sent_in_whole_words_of_at_most_100_characters(
    google, sleeps: list[float], mp3: bytes
) -> None:
    assert len(LONG_TEXT) > 450
    calls = google(_status(200, _batchexecute_body(mp3)))

    speech = _engine(sleeps).synthesize(LONG_TEXT)

    sent = [_spoken(call) for call in calls]
    assert len(sent) >= 5
    assert all(len(text) <= 100 for text in sent), sent
    assert " ".join(sent).split() == LONG_TEXT.split()
    assert sent[0].endswith("there.")  # the first sentence is a request of its own
    assert all(call["timeout"] == (min(3.05, TIMEOUT_S), TIMEOUT_S) for call in calls)
    # One playable MP3: the pieces' audio back to back, ID3 tags of later pieces dropped.
    assert speech.format == "mp3"
    assert speech.data.startswith(mp3)
    assert speech.data.count(b"ID3") == 1
    assert _seconds(speech.data) == pytest.approx(0.5 * len(sent), abs=0.1 * len(sent))


def test_each_piece_has_its_own_retry_budget(google, sleeps: list[float], mp3: bytes) -> None:
    seen: Counter[str] = Counter()

    def first_try_fails(request: requests.PreparedRequest) -> requests.Response:
        seen[request.body] += 1
        if seen[request.body] == 1:
            return _response(request, 503)
        return _response(request, 200, _batchexecute_body(mp3))

    calls = google(first_try_fails)

    _engine(sleeps).synthesize(LONG_TEXT)

    pieces = len(seen)
    assert pieces >= 5
    assert len(calls) == 2 * pieces
    assert sleeps == [0.5] * pieces


def test_a_failing_later_piece_fails_the_whole_text(
    google, sleeps: list[float], mp3: bytes
) -> None:
    calls = google(_in_turn(_status(200, _batchexecute_body(mp3)), _status(400)))

    with pytest.raises(EngineError, match="HTTP 400"):
        _engine(sleeps).synthesize(LONG_TEXT)

    assert len(calls) == 2


def test_gtts_text_rules_run_once_before_splitting(google, sleeps: list[float], mp3: bytes) -> None:
    """gTTS's own rules still apply, so "Dr." is no sentence end and "Esq." is said in full."""
    calls = google(_status(200, _batchexecute_body(mp3)))

    _engine(sleeps).synthesize("Dr. Ada Smith met John Smith, Esq. at the lab. Why? To talk.")

    sent = [_spoken(call) for call in calls]
    assert sent == ["Dr Ada Smith met John Smith, Esquire at the lab. Why? To talk."]


def test_an_abbreviation_is_no_place_to_split(google, sleeps: list[float], mp3: bytes) -> None:
    calls = google(_status(200, _batchexecute_body(mp3)))
    text = "We asked Dr. Ada Lovelace " + "about engines and numbers " * 4 + "and more"

    _engine(sleeps).synthesize(text)

    sent = [_spoken(call) for call in calls]
    assert len(sent) == 2
    assert sent[0].startswith("We asked Dr Ada Lovelace about")
