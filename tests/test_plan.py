"""plan_show: what each episode is before anything is spoken (identity, unchanged or not)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from conftest import SAMPLE, write_show

import narrate.plan
from narrate.build import build
from narrate.config import Settings, load_settings
from narrate.engines import load_engine
from narrate.models import Episode, PublishedEpisode, Script
from narrate.plan import ShowPlan, plan_show
from narrate.publish.artwork import artwork_key
from narrate.publish.output import Output
from narrate.text.script import speech_options


def _settings(folder: Path, summary: str) -> Settings:
    show = write_show(folder, [{"file": f'"{summary}"'}], voice='{ engine = "tone" }')
    return load_settings(show, out_dir=folder / "out", use_cache=False)


def _plan(settings: Settings) -> ShowPlan:
    engine = load_engine(settings.engine)
    speech = speech_options(settings.script, engine)
    published = Output(settings.out_dir).load_published(settings.show.feed_url, intact_only=False)
    cover = artwork_key(settings.show)
    return plan_show(settings, speech, (engine.fingerprint(), None), cover, published)


def _published(settings: Settings) -> dict[str, PublishedEpisode]:
    return Output(settings.out_dir).load_published(settings.show.feed_url)


@pytest.fixture
def built(tmp_path: Path) -> Settings:
    """A show of one undated summary, built once."""
    (tmp_path / "first-name.txt").write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    settings = _settings(tmp_path, "first-name.txt")
    assert build(settings, jobs=1).failures == ()
    return settings


def test_the_content_digest_is_kept_with_the_episode(built: Settings) -> None:
    [episode] = _published(built).values()
    assert len(episode.content) == 16
    assert episode.recipe.endswith(":" + episode.content)  # as earlier builds wrote it


@pytest.mark.parametrize("record", ["with content", "from an older build"])
def test_a_renamed_summary_is_its_old_episode_unchanged(
    built: Settings, tmp_path: Path, record: str
) -> None:
    (tmp_path / "first-name.txt").rename(tmp_path / "second-name.txt")
    os.utime(tmp_path / "second-name.txt", (0, 0))  # a new date on the file: the episode's stays
    settings = _settings(tmp_path, "second-name.txt")
    if record == "from an older build":  # no content of its own: found by its recipe's end
        output = Output(settings.out_dir)
        old = {s: dataclasses.replace(e, content="") for s, e in _published(settings).items()}
        output.save_published(settings.show.feed_url, list(old.values()))
    before = next(iter(_published(settings).values()))
    planned = _plan(settings)
    assert planned.plans == () and planned.failures == ()
    [kept] = planned.unchanged
    assert (kept.slug, kept.guid, kept.number, kept.audio_file) == (
        "first-name", before.guid, before.number, before.audio_file,
    )  # fmt: skip
    assert kept.source == str(tmp_path / "second-name.txt")


def test_each_summary_is_scripted_once(
    built: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Renamed and undated (its slug and date come from before): still one script."""
    scripted: list[Episode] = []
    real = narrate.plan.build_script

    def counting(episode: Episode, *args: object) -> Script:
        scripted.append(episode)
        return real(episode, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(narrate.plan, "build_script", counting)
    (tmp_path / "first-name.txt").rename(tmp_path / "second-name.txt")
    os.utime(tmp_path / "second-name.txt", (0, 0))
    planned = _plan(_settings(tmp_path, "second-name.txt"))
    assert len(planned.unchanged) == 1
    assert [(e.slug, e.date) for e in scripted] == [
        (planned.unchanged[0].slug, planned.unchanged[0].date)
    ]


def test_a_changed_summary_is_planned_under_a_new_revision(built: Settings, tmp_path: Path) -> None:
    summary = tmp_path / "first-name.txt"
    summary.write_text("A new first sentence about MS.\n\n" + summary.read_text(encoding="utf-8"))
    before = next(iter(_published(built).values()))
    [plan] = _plan(built).plans
    assert (plan.guid, plan.number) == (before.guid, before.number)
    assert plan.audio_file != before.audio_file  # a published file never changes in place
    assert plan.content != before.content


def test_summaries_that_cannot_be_episodes_fail_in_show_order_and_the_rest_are_planned(
    tmp_path: Path,
) -> None:
    """A summary named like an earlier one (the same slug) fails, naming that one, as does an
    unreadable one; each failure in its place in the show, and the others are planned."""
    text = SAMPLE.read_text(encoding="utf-8")
    names = ["Same Name.txt", "empty.txt", "same-name.txt", "other.txt"]
    for name in names:
        (tmp_path / name).write_text("" if name == "empty.txt" else text, encoding="utf-8")
    episodes = [{"file": f'"{name}"', "date": "2026-01-02"} for name in names]
    show = write_show(tmp_path, episodes, voice='{ engine = "tone" }')
    planned = _plan(load_settings(show, out_dir=tmp_path / "out", use_cache=False))
    assert [plan.episode.slug for plan in planned.plans] == ["same-name", "other"]
    assert [Path(name).name for name, _ in planned.failures] == ["empty.txt", "same-name.txt"]
    cause = planned.failures[1][1]
    assert cause == f"has the same name as {tmp_path / 'Same Name.txt'} (same-name); rename one"
    assert [plan.number for plan in planned.plans] == [1, 2]
