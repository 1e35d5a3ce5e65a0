"""Producing an episode is a function of plain values: it runs the same in a fresh process.

What a cluster's worker will do later, done here with a process started for the purpose: it
receives only the pickled plan, settings and artwork, and sends back the produced episode.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

from conftest import REPO, write_show

from narrate.config import Settings, load_settings
from narrate.engines import load_engine
from narrate.models import Artwork, Plan, ProducedEpisode
from narrate.plan import plan_show
from narrate.produce import Studio, produce_episode
from narrate.publish.artwork import artwork_key, show_artwork
from narrate.publish.layout import SIDECARS, sidecar
from narrate.text.script import speech_options

SUMMARY = "Researchers followed 316 people with MS for two years.\n\nWalking improved.\n"

# Runs in the fresh process: unpickle, produce each plan, pickle the results back, and say
# whether the process kept one studio (one loaded voice) for both episodes.
WORKER = """
import pickle, sys
from narrate.produce import Studio, produce_episode
plans, settings, artwork = pickle.load(sys.stdin.buffer)
produced = [produce_episode(plan, settings, artwork) for plan in plans]
studio = Studio.of_this_process(settings)
same = studio is Studio.of_this_process(settings) and studio.speaker.synthesized > 0
sys.stdout.buffer.write(pickle.dumps((produced, same, len(studio.verdicts))))
"""


def _planned(tmp_path: Path) -> tuple[tuple[Plan, ...], Settings, Artwork]:
    for name in ("one", "two"):
        (tmp_path / f"{name}.txt").write_text(f"Study {name}.\n\n{SUMMARY}", encoding="utf-8")
    show = write_show(
        tmp_path,
        [{"file": '"one.txt"', "date": "2026-11-20"}, {"file": '"two.txt"', "date": "2026-11-21"}],
        # Piper's noise pinned: the same plan makes the same sound in any process.
        voice='{ engine = "piper", noise_scale = 0.0, noise_w = 0.0 }',
    )
    settings = load_settings(show, out_dir=tmp_path / "out", use_cache=False)
    engine = load_engine(settings.engine)
    speech = speech_options(settings.script, engine, None)
    cover = artwork_key(settings.show)
    planned = plan_show(settings, speech, (engine.fingerprint(), None), cover, {})
    assert len(planned.plans) == 2, planned.failures
    return planned.plans, settings, show_artwork(settings.show)


def test_a_fresh_process_produces_an_episode_from_its_pickled_arguments_alone(
    tmp_path: Path,
) -> None:
    plans, settings, artwork = _planned(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", WORKER],
        input=pickle.dumps((plans, settings, artwork)),
        capture_output=True,
        cwd=tmp_path,  # nothing of this process's state or folder: the arguments are all
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "HOME": str(tmp_path)},
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    produced, one_studio, judged = pickle.loads(done.stdout)
    assert one_studio  # the voice was loaded once in that process, and reused
    assert judged == 1  # both episodes say the same disclaimer: the recognizer heard it once

    for plan, remote in zip(plans, produced, strict=True):
        assert isinstance(remote, ProducedEpisode)
        names = [name for name, _ in remote.files]
        assert names == [*(sidecar(plan.audio_file, f) for f in SIDECARS), plan.audio_file]
        mp3 = dict(remote.files)[plan.audio_file]
        assert mp3[:3] == b"ID3" and remote.episode.length_bytes == len(mp3)
        assert remote.episode.guid == plan.guid and remote.episode.number == plan.number
        assert remote.spoken > 0

    # The same plan produced here, after the other episode: the very same files and record.
    here = Studio.of_this_process(settings)
    local = [produce_episode(plan, settings, artwork, here) for plan in reversed(plans)][::-1]
    assert [p.files for p in local] == [p.files for p in produced]
    assert [p.episode for p in local] == [p.episode for p in produced]
