"""The built example show's pages, driven in real headless Chromium as people use them.

Debian's Chromium (``/usr/bin/chromium``) is driven by Playwright for Python; axe-core comes
from npm under ``tests/browser``. ``bash scripts/test`` installs all three. The site is served
by ``narrate serve``'s own server on 127.0.0.1, and every context blocks and records any
request that would leave it. Screenshots land in ``test-artifacts/screenshots/`` (not committed).
"""

from __future__ import annotations

import json
import re
import struct
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import REPO, Built

from narrate.publish.serve import make_server

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
AXE = REPO / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
INSTALL_HINT = (
    "run `bash scripts/test` once: it installs Debian's chromium (apt-get install chromium),"
    " Playwright for Python (pip install -e '.[test]') and axe-core"
    " (npm ci --prefix tests/browser)"
)
# Without the background-networking flags Chromium calls Google at start-up.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-component-update",
    "--disable-background-networking",
    "--disable-default-apps",
    "--disable-extensions",
    "--mute-audio",
]

SLUG = "mtros-macrophages"
INDEX = "index.html"
EPISODE = f"episodes/{SLUG}/index.html"
EMBED = f"episodes/{SLUG}/embed.html"
PAGES = (INDEX, EPISODE, EMBED)
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SIZES = {"desktop": DESKTOP, "phone": PHONE}
PLAY = "document.querySelector('button.play')"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]

# Helpers for the JavaScript run in pages: WCAG contrast of two computed colours, and a short
# name for an element in failure messages.
HELPERS_JS = """
function contrast(a, b) {
  const lum = (c) => {
    const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map(Number).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
function describe(el) {
  return `${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 30)}"`;
}
"""


# -- fixtures: the served site, the browser, and pages that cannot reach the network --------


@pytest.fixture(scope="module")
def site(example_build: Built) -> Iterator[str]:
    """The example build, served on 127.0.0.1 by the preview server (byte ranges and all)."""
    server = make_server(example_build.out, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(f"Playwright for Python is not installed; {INSTALL_HINT}")
    if not CHROMIUM.exists():
        pytest.fail(f"no Chromium at {CHROMIUM}; {INSTALL_HINT}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def axe_script() -> Path:
    if not AXE.is_file():
        pytest.fail(f"axe-core is not installed at {AXE}; {INSTALL_HINT}")
    return AXE


def _leaves_loopback(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme not in ("data", "blob", "about") and parts.hostname != "127.0.0.1"


@pytest.fixture
def outside() -> list[str]:
    """URLs that some page of the current test tried to reach beyond 127.0.0.1."""
    return []


@pytest.fixture
def open_page(browser: Any, site: str, outside: list[str]) -> Iterator[Callable[..., Any]]:
    """Open a site path in a fresh context (options as for ``browser.new_context``), with
    every request beyond 127.0.0.1 blocked and recorded; the test fails if there was one."""
    contexts: list[Any] = []

    def block(route: Any) -> None:
        outside.append(route.request.url)
        route.abort()

    def opener(path: str, **options: Any) -> Any:
        options.setdefault("viewport", DESKTOP)
        context = browser.new_context(**options)
        contexts.append(context)
        context.route(_leaves_loopback, block)
        context.on("request", lambda r: _leaves_loopback(r.url) and outside.append(r.url))
        page = context.new_page()
        page.goto(site + path)
        return page

    yield opener
    for context in contexts:
        context.close()
    assert outside == [], f"requests tried to leave 127.0.0.1: {sorted(set(outside))}"


# -- helpers ------------------------------------------------------------------------------------


def _run(page: Any, function: str, arg: Any = None) -> Any:
    """Evaluate a JavaScript function of one argument in the page, with HELPERS_JS at hand."""
    return page.evaluate(f"(arg) => {{ {HELPERS_JS}\n return ({function})(arg); }}", arg)


def _audio(page: Any, expression: str) -> Any:
    return page.evaluate(
        f"(() => {{ const a = document.querySelector('audio'); return {expression}; }})()"
    )


def _wait(page: Any, condition: str, timeout: float = 10_000) -> None:
    """Wait until a JavaScript condition holds (a function, as the pages' CSP forbids eval)."""
    page.wait_for_function(f"() => {condition}", timeout=timeout)


def _focused(page: Any, selector: str) -> bool:
    return bool(page.evaluate("s => document.activeElement.matches(s)", selector))


def _tab_to(page: Any, selector: str, backwards: bool = False, limit: int = 120) -> None:
    """Press Tab (or Shift+Tab) until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if _focused(page, selector):
            return
    pytest.fail(f"Tab never reached {selector!r} in {limit} presses")


def _press(page: Any, key: str, selector: str) -> None:
    """Press a key on the focused element and check the focus stayed there."""
    page.keyboard.press(key)
    assert _focused(page, selector), f"{key} on {selector} moved the focus away"


def _current_sentence(page: Any) -> dict[str, Any] | None:
    return page.evaluate(
        """() => {
          const all = document.querySelectorAll('.transcript .sentence.current');
          if (all.length !== 1) { return all.length ? {count: all.length} : null; }
          const s = all[0];
          return {count: 1, start: parseFloat(s.dataset.start), end: parseFloat(s.dataset.end),
                  text: s.textContent, ariaCurrent: s.getAttribute('aria-current'),
                  nowReading: document.querySelector('.now-reading-text').textContent};
        }"""
    )


def _sentences(example_build: Built, audio_src: str) -> list[str]:
    """The sentences of the timing file published beside the page's MP3."""
    mp3 = example_build.out / "episodes" / SLUG / audio_src
    timing = json.loads(mp3.with_suffix(".timing.json").read_text("utf-8"))
    return [s["text"] for s in timing["segments"]]


def _highlight_a_word(page: Any) -> float:
    """Move the player into the first sentence whose words have times (the example has
    some), so a highlighted sentence and word are on screen; returns the time."""
    time = float(
        page.eval_on_selector(
            ".transcript .paragraph .word",
            "(w) => (parseFloat(w.dataset.start) + parseFloat(w.dataset.end)) / 2",
        )
    )
    _audio(page, f"(a.currentTime = {time})")
    # The word heard there (not one still marked from before the seek).
    word = "document.querySelector('.transcript .sentence.current .word.current')"
    _wait(page, f"{word} && parseFloat({word}.dataset.start) <= {time} "
                f"&& {time} <= parseFloat({word}.dataset.end)")  # fmt: skip
    return time


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# -- accessibility rules ------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_wcag_a_or_aa_violations_nor_enhanced_contrast(
    open_page: Callable[..., Any], axe_script: Path, path: str, size: str, scheme: str
) -> None:
    # axe is injected as an inline script, which the pages' CSP rightly forbids: only these
    # contexts bypass it (test_csp_forbids_inline_script_and_our_code_breaks_no_rule checks it).
    page = open_page(path, viewport=SIZES[size], color_scheme=scheme, bypass_csp=True)
    # Check everything a listener can bring into view: the resume button, the status line,
    # open disclosures, a highlighted sentence and word.
    if path != INDEX:
        page.evaluate(f"localStorage.setItem('narrate:position:{SLUG}', '42')")
        page.reload()
        assert page.locator("button.resume").inner_text() == "Resume from 0:42"
        page.locator("button.speed[data-speed='1.25']").press("Enter")
        assert page.locator(".controls .status").inner_text() == "Speed 1.25 times"
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    if path != INDEX:
        _highlight_a_word(page)
    page.add_script_tag(path=str(axe_script))
    result = page.evaluate(
        """async (tags) => {
          const r = await axe.run(document, {
            runOnly: {type: 'tag', values: tags},
            rules: {'color-contrast-enhanced': {enabled: true}},
          });
          const brief = (v) => ({id: v.id, help: v.help,
                                 nodes: v.nodes.map((n) => n.target.join(' '))});
          return {violations: r.violations.map(brief), incomplete: r.incomplete.map(brief),
                  ran: [...r.passes, ...r.violations, ...r.incomplete].map((v) => v.id)};
        }""",
        WCAG_TAGS,
    )
    assert result["violations"] == []
    assert {"color-contrast", "color-contrast-enhanced"} <= set(result["ran"])
    undecided = [v for v in result["incomplete"] if v["id"].startswith("color-contrast")]
    assert undecided == [], "axe could not measure the contrast of some text"


def test_csp_forbids_inline_script_and_our_code_breaks_no_rule(
    open_page: Callable[..., Any], site: str
) -> None:
    page = open_page(INDEX)
    context = page.context
    messages: list[str] = []
    context.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
    for path in PAGES:
        page.goto(site + path)
        page.wait_for_load_state("load")
        if path != INDEX:
            page.locator("button.play").press("Enter")  # the player's code runs for real
            _wait(page, "!document.querySelector('audio').paused")
            page.locator("button.play").press("Enter")
        policy = page.get_attribute('meta[http-equiv="Content-Security-Policy"]', "content")
        directives = dict(
            (d.split()[0], d.split()[1:]) for d in (policy or "").split(";") if d.strip()
        )
        assert directives["default-src"] == ["'none'"], path
        assert directives["script-src"] == ["'self'"], path  # no inline scripts, no handlers
        assert all("'unsafe" not in v and ":" not in v for vs in directives.values() for v in vs)
        assert page.evaluate("window.__violations") == [], path
    assert [m for m in messages if m.startswith(("error", "warning", "pageerror"))] == []

    # The policy really holds: an inline script and an inline event handler do not run.
    page.evaluate(
        """() => {
          const script = document.createElement('script');
          script.textContent = 'window.__inline = true;';
          document.head.append(script);
          const button = document.createElement('button');
          button.id = 'hostile';
          button.setAttribute('onclick', 'window.__handler = true;');
          button.textContent = 'x';
          document.body.append(button);
        }"""
    )
    page.locator("#hostile").press("Enter")
    _wait(page, "window.__violations.length >= 2")
    assert page.evaluate("[window.__inline, window.__handler]") == [None, None]


def test_no_request_leaves_loopback(
    open_page: Callable[..., Any], site: str, outside: list[str]
) -> None:
    page = open_page(INDEX)
    local: list[str] = []
    page.context.on("request", lambda r: local.append(r.url))
    for path in PAGES:
        page.goto(site + path)
        page.wait_for_load_state("load")
        if path != INDEX:
            page.locator("button.play").press("Enter")
            _wait(page, "document.querySelector('audio').currentTime > 0.3")
            page.locator("button.play").press("Enter")
    # The listener saw the page's own requests (so it would have seen any other one).
    seen = {urlsplit(u).path for u in local}
    assert {"/index.html", "/assets/narrate.css", "/assets/player.js", "/assets/icon.svg"} <= seen
    assert any(re.fullmatch(rf"/audio/{SLUG}[^/]*\.mp3", path) for path in seen)
    assert outside == []
    assert _leaves_loopback("https://example.org/x") and not _leaves_loopback(site)


# -- the player, with the keyboard only ---------------------------------------------------------


def test_keyboard_plays_pauses_changes_speed_skips_and_seeks(open_page: Callable[..., Any]) -> None:
    page = open_page(EPISODE)
    page.wait_for_timeout(500)
    assert _audio(page, "[a.paused, a.currentTime, a.autoplay]") == [True, 0, False]  # no autoplay

    _tab_to(page, "button.play")
    assert page.locator("button.play").inner_text() == "Play"
    # The button says what it will do next.
    _press(page, "Enter", "button.play")
    _wait(page, "document.querySelector('audio').currentTime > 0.5")
    _wait(page, f"{PLAY}.textContent == 'Pause'")
    _press(page, "Space", "button.play")
    _wait(page, f"document.querySelector('audio').paused && {PLAY}.textContent == 'Play'")
    _press(page, " ", "button.play")  # Space, pressed as the character
    _wait(page, f"!document.querySelector('audio').paused && {PLAY}.textContent == 'Pause'")
    _press(page, "Enter", "button.play")
    _wait(page, f"document.querySelector('audio').paused && {PLAY}.textContent == 'Play'")

    before = _audio(page, "a.currentTime")
    _tab_to(page, "button.forward")
    assert page.locator("button.forward").inner_text() == "Forward 30 s"
    _press(page, "Enter", "button.forward")
    assert _audio(page, "a.currentTime") == pytest.approx(before + 30, abs=0.25)
    _tab_to(page, "button.back", backwards=True)
    assert page.locator("button.back").inner_text() == "Back 10 s"
    _press(page, "Space", "button.back")
    assert _audio(page, "a.currentTime") == pytest.approx(before + 20, abs=0.25)

    speeds = page.locator("button.speed")
    assert speeds.all_inner_texts() == ["0.75×", "1×", "1.25×", "1.5×"]
    assert page.get_attribute("button.speed[aria-pressed='true']", "data-speed") == "1"
    status = page.locator(".controls .status")
    assert (status.get_attribute("role"), status.get_attribute("aria-live")) == ("status", "polite")
    for key, speed, backwards in (("Enter", "1.5", False), ("Space", "0.75", True)):
        selector = f"button.speed[data-speed='{speed}']"
        _tab_to(page, selector, backwards)
        _press(page, key, selector)
        assert _audio(page, "a.playbackRate") == float(speed)
        assert page.locator("button.speed[aria-pressed='true']").all_inner_texts() == [f"{speed}×"]
        assert status.inner_text() == f"Speed {speed} times"

    url = page.url
    chapter = ".chapters li:nth-child(4) a.seek"
    start = float(page.get_attribute(chapter, "data-start") or "nan")
    _tab_to(page, chapter)
    _press(page, "Enter", chapter)
    assert page.url == url  # the player moved; the browser did not open the MP3
    assert _audio(page, "a.currentTime") == pytest.approx(start, abs=0.05)
    assert status.inner_text().startswith(f"Moved to {page.inner_text(chapter).split()[0]}")

    stamp = ".transcript .paragraph:nth-of-type(5) a.timestamp"
    start = float(page.get_attribute(stamp, "data-start") or "nan")
    _tab_to(page, stamp)
    _press(page, "Enter", stamp)
    assert page.url == url
    assert _audio(page, "a.currentTime") == pytest.approx(start, abs=0.05)
    current = _current_sentence(page)
    assert current is not None and current["start"] == pytest.approx(start, abs=0.001)

    _tab_to(page, "button.play", backwards=True)
    _press(page, "Enter", "button.play")
    _wait(page, f"document.querySelector('audio').currentTime > {start + 0.3}")
    assert _audio(page, "a.playbackRate") == 0.75  # the chosen speed holds while playing
    _press(page, "Enter", "button.play")


def test_highlighted_sentence_follows_playback(open_page: Callable[..., Any]) -> None:
    page = open_page(EPISODE)
    starts = page.eval_on_selector_all(
        ".transcript .sentence", "all => all.map((s) => parseFloat(s.dataset.start))"
    )
    # Just before the intro's fourth sentence: its neighbour is highlighted, then it is.
    first, second = starts[2], starts[3]
    _audio(page, f"(a.currentTime = {second - 0.6})")
    _wait(page, "document.querySelector('.transcript .sentence.current')")
    assert _current_sentence(page)["start"] == first
    _tab_to(page, "button.play")
    _press(page, "Enter", "button.play")
    _wait(page, f"document.querySelector('.sentence.current').dataset.start == '{second:.3f}'")
    current = _current_sentence(page)
    assert current is not None and current["count"] == 1
    assert current["ariaCurrent"] == "true"
    assert current["nowReading"] == current["text"]  # the "Now reading" line follows too
    assert current["start"] <= _audio(page, "a.currentTime") <= current["end"] + 1.5
    _press(page, "Enter", "button.play")

    # Where the words have timings, the word heard is marked inside its sentence.
    time = _highlight_a_word(page)
    word = page.query_selector(".transcript .sentence.current .word.current")
    assert word is not None
    assert (
        float(word.get_attribute("data-start") or 0)
        <= time
        <= float(word.get_attribute("data-end") or 0)
    )
    # Visible, and not by colour alone: a background and an underline.
    style = page.evaluate(
        """() => {
          const s = getComputedStyle(document.querySelector('.sentence.current'));
          const page = getComputedStyle(document.body).backgroundColor;
          return [s.backgroundColor, s.textDecorationLine, page];
        }"""
    )
    assert style[0] != style[2] and "underline" in style[1]


def test_speed_is_remembered_and_resume_is_offered_never_jumped_to(
    open_page: Callable[..., Any],
) -> None:
    page = open_page(EPISODE)
    chapter = ".chapters li:nth-child(2) a.seek"
    _tab_to(page, chapter)
    _press(page, "Enter", chapter)
    _tab_to(page, "button.speed[data-speed='1.25']", backwards=True)
    _press(page, "Enter", "button.speed[data-speed='1.25']")
    _tab_to(page, "button.play", backwards=True)
    _press(page, "Enter", "button.play")
    _wait(page, "document.querySelector('audio').currentTime > 17.5")
    _press(page, "Enter", "button.play")
    _wait(page, "document.querySelector('audio').paused")
    saved = _audio(page, "a.currentTime")

    page.reload()
    page.wait_for_timeout(1000)
    assert _audio(page, "[a.paused, a.currentTime]") == [True, 0]  # no autoplay, no jump
    assert _audio(page, "a.playbackRate") == 1.25
    assert page.locator("button.speed[aria-pressed='true']").all_inner_texts() == ["1.25×"]
    resume = page.locator("button.resume")
    minutes, seconds = divmod(int(saved), 60)
    assert resume.is_visible()
    label = resume.inner_text()
    assert re.fullmatch(r"Resume from \d+:\d\d", label), label
    assert label in {f"Resume from {minutes}:{s:02d}" for s in (seconds - 1, seconds)}

    _tab_to(page, "button.resume")
    page.keyboard.press("Enter")
    assert _audio(page, "a.currentTime") == pytest.approx(saved, abs=0.5)
    assert _audio(page, "a.paused")  # resuming moves the player; it never starts talking
    assert not resume.is_visible()
    assert _focused(page, "button.play")  # the pressed button went away: focus goes to Play


@pytest.mark.parametrize("path", [EPISODE, EMBED])
def test_before_anything_plays_no_empty_box_nor_blank_gap(
    open_page: Callable[..., Any], path: str
) -> None:
    """Under the speed buttons comes the next thing at once, and no "Now reading:" box
    stands empty: it appears with the first sentence heard, as the status line appears with
    its first message."""
    page = open_page(path)
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    _wait(page, "!document.querySelector('.controls').hidden")  # the player's code has run

    def layout() -> dict[str, Any]:
        return page.evaluate(
            """() => {
              const box = (s) => document.querySelector(s).getBoundingClientRect();
              const reading = document.querySelector('.reading');
              return {gap: box('.download').top - box('.speeds').bottom,
                      status: box('.controls .status').height,
                      line: parseFloat(getComputedStyle(document.body).lineHeight),
                      reading: reading.checkVisibility() ? box('.reading').height : 0,
                      text: document.querySelector('.now-reading-text').textContent};
            }"""
        )

    before = layout()
    assert before["status"] == 0 and before["reading"] == 0 and before["text"] == ""
    assert before["gap"] < before["line"], "a blank line under the speed buttons"
    assert page.locator(".controls .status").get_attribute("aria-live") == "polite"

    _tab_to(page, "button.play")
    _press(page, "Enter", "button.play")
    _wait(page, "document.querySelector('.transcript .sentence.current')")
    _press(page, "Enter", "button.play")
    playing = layout()
    assert playing["reading"] > 0  # the box is there, and says what is being read
    assert playing["text"] == page.inner_text(".transcript .sentence.current")
    page.locator("button.speed[data-speed='1.25']").press("Enter")
    assert page.locator(".controls .status").inner_text() == "Speed 1.25 times"
    assert layout()["status"] >= before["line"] - 0.5  # a message gets its line
    if path == EPISODE:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "episode-1280x800-playing.png", full_page=True)


# -- without JavaScript -------------------------------------------------------------------------


@pytest.mark.parametrize("path", [EPISODE, EMBED])
def test_without_javascript_the_audio_and_whole_transcript_are_there(
    open_page: Callable[..., Any], example_build: Built, path: str
) -> None:
    page = open_page(path, java_script_enabled=False)
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    audio = page.locator("audio")
    assert audio.is_visible()
    assert audio.get_attribute("controls") is not None
    src = audio.get_attribute("src") or ""
    assert re.fullmatch(rf"\.\./\.\./audio/{SLUG}[^/]*\.mp3", src), src
    _wait(page, "document.querySelector('audio').readyState >= 1")  # it loads
    assert page.locator(".transcript .sentence").all_inner_texts() == _sentences(example_build, src)
    assert page.locator(".transcript").is_visible()
    for link in page.locator(".chapters a, .transcript a.timestamp").all():
        assert re.search(r"\.mp3#t=\d+\.\d{3}$", link.get_attribute("href") or "")
    # Buttons that need the script stay out of the way.
    assert not page.locator(".controls").is_visible()
    assert not page.locator(".reading").is_visible()
    assert page.locator("a[download]").is_visible()


# -- look and feel ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("path", PAGES)
def test_text_is_large_spaced_and_targets_are_44px(
    open_page: Callable[..., Any], path: str, size: str
) -> None:
    page = open_page(path, viewport=SIZES[size])
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    small = _run(
        page,
        """() => {
          const bad = [];
          const seen = new Set();
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          const fields = 'input:not([type=checkbox]):not([type=radio]), textarea, button';
          const elements = [...document.querySelectorAll(fields)];
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            if (n.textContent.trim()) { elements.push(n.parentElement); }
          }
          for (const el of elements) {
            if (seen.has(el) || !el.checkVisibility()) { continue; }
            if (el.closest('.visually-hidden')) { continue; }
            seen.add(el);
            const s = getComputedStyle(el);
            const size = parseFloat(s.fontSize);
            const height = s.lineHeight === 'normal' ? 1.2 * size : parseFloat(s.lineHeight);
            const heading = el.closest('h1, h2, h3, h4, h5, h6');
            if (size < 18 || (!heading && height / size < 1.5)) {
              bad.push(`${describe(el)}: ${size}px/${height}px`);
            }
          }
          return bad;
        }""",
    )
    assert small == [], "text under 18 px, or lines closer than 1.5"
    page.focus("a.skip")  # the skip link shows itself on focus; measure it then
    tiny = _run(
        page,
        """() => [...document.querySelectorAll('a[href], button, input, textarea, select, summary')]
          .filter((el) => el.checkVisibility() && !el.closest('audio'))
          .map((el) => {
            const target = el.type === 'checkbox' ? (el.closest('label') || el) : el;
            const r = target.getBoundingClientRect();
            return [r.width, r.height, describe(el)];
          })
          .filter(([w, h]) => w < 44 - 0.5 || h < 44 - 0.5)
          .map(([w, h, name]) => `${name}: ${w.toFixed(1)}x${h.toFixed(1)}`)""",
    )
    assert tiny == [], "targets smaller than 44 x 44 px"


@pytest.mark.parametrize(
    "viewport",
    [{"width": 320, "height": 640}, {"width": 640, "height": 400}],
    ids=["320px-wide", "200pct-zoom-of-1280x800"],
)
@pytest.mark.parametrize("path", PAGES)
def test_no_sideways_scrolling_at_320px_nor_at_200_percent_zoom(
    open_page: Callable[..., Any], path: str, viewport: dict[str, int]
) -> None:
    page = open_page(path, viewport=viewport)
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    width = viewport["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    overflowing = page.evaluate(
        """(width) => [...document.body.querySelectorAll('*')]
          .filter((el) => el.checkVisibility() && !el.closest('.visually-hidden, .skip'))
          .filter((el) => { const r = el.getBoundingClientRect();
                            return r.width > 0 && (r.right > width + 0.5 || r.left < -0.5); })
          .map((el) => `${el.tagName}.${el.className}`)""",
        width,
    )
    assert overflowing == [], "content cut off at the side"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_focus_ring_is_thick_and_contrasting_on_every_stop(
    open_page: Callable[..., Any], scheme: str
) -> None:
    page = open_page(EPISODE, color_scheme=scheme)
    stops: list[dict[str, Any]] = []
    for _ in range(150):
        page.keyboard.press("Tab")
        stop = _run(
            page,
            """() => {
              const el = document.activeElement;
              if (el === document.body || el.tagName === 'AUDIO') { return {el: el.tagName}; }
              const s = getComputedStyle(el);
              const bg = getComputedStyle(document.body).backgroundColor;
              return {el: describe(el),
                      style: s.outlineStyle, width: parseFloat(s.outlineWidth),
                      contrast: contrast(s.outlineColor, bg)};
            }""",
        )
        if stop["el"] == "BODY" or (stops and stop["el"] == stops[0]["el"]):
            break  # round the whole page
        stops.append(stop)
    rings = [s for s in stops if s["el"] != "AUDIO"]
    assert len(rings) >= 25  # skip link, header, player, chapters, transcript, more, embed
    weak = [s for s in rings if s["style"] == "none" or s["width"] < 3 or s["contrast"] < 3]
    assert weak == [], "focus rings under 3 px or under 3:1 against the page"


def test_light_and_dark_schemes_differ(open_page: Callable[..., Any]) -> None:
    colours = {}
    for scheme in ("light", "dark"):
        page = open_page(EPISODE, color_scheme=scheme)
        colours[scheme] = _run(
            page, "() => ((s) => [s.backgroundColor, s.color])(getComputedStyle(document.body))"
        )
    assert colours["light"] != colours["dark"]
    assert colours["light"][0] == "rgb(255, 255, 255)"


def test_forced_colors_mode_keeps_buttons_highlight_and_focus_visible(
    open_page: Callable[..., Any],
) -> None:
    page = open_page(EPISODE, forced_colors="active")
    assert page.evaluate("matchMedia('(forced-colors: active)').matches")
    _highlight_a_word(page)
    look = _run(
        page,
        """() => {
          const body = getComputedStyle(document.body);
          const sentence = getComputedStyle(document.querySelector('.sentence.current'));
          const buttons = [...document.querySelectorAll('.controls button:not([hidden])')]
            .map((b) => getComputedStyle(b))
            .map((s) => [s.borderTopStyle, parseFloat(s.borderTopWidth),
                         contrast(s.borderTopColor, body.backgroundColor)]);
          const pressed = getComputedStyle(document.querySelector('.speed[aria-pressed="true"]'));
          return {buttons, highlight: contrast(sentence.backgroundColor, body.backgroundColor),
                  highlightText: contrast(sentence.color, sentence.backgroundColor),
                  pressed: [pressed.outlineStyle, parseFloat(pressed.outlineWidth)]};
        }""",
    )
    for style, width, contrast in look["buttons"]:
        assert style == "solid" and width >= 2 and contrast >= 3  # buttons keep their edges
    assert look["highlight"] >= 3 and look["highlightText"] >= 4.5  # the sentence heard shows
    assert look["pressed"][0] != "none" and look["pressed"][1] >= 2  # and the current speed
    _tab_to(page, "button.play")
    ring = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert ring[0] != "none" and ring[1] >= 3
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "episode-1280x800-forced-colors.png", full_page=True)


# -- screenshots for people ---------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", SIZES)
def test_screenshots_of_the_episode_page(
    open_page: Callable[..., Any], size: str, scheme: str
) -> None:
    """Whole-page pictures, a sentence highlighted, for anyone to look at after a run."""
    viewport = SIZES[size]
    page = open_page(EPISODE, viewport=viewport, color_scheme=scheme)
    _highlight_a_word(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    suffix = "" if scheme == "light" else "-dark"
    path = SCREENSHOTS / f"episode-{viewport['width']}x{viewport['height']}{suffix}.png"
    path.unlink(missing_ok=True)
    page.screenshot(path=path, full_page=True)
    width, height = _png_size(path)
    assert width == viewport["width"] and height >= viewport["height"]


def test_a_link_to_a_moment_moves_there_without_playing(open_page: Callable[..., Any]) -> None:
    """``#t=SECONDS`` (narrate verify's report links each miss so) moves the player there and
    highlights the sentence heard then; nothing plays until the listener presses Play."""
    page = open_page(EPISODE + "#t=20.5")
    page.wait_for_timeout(500)
    assert _audio(page, "a.paused") is True
    assert _audio(page, "a.currentTime") == pytest.approx(20.5, abs=0.1)
    assert "Moved to 0:20" in page.locator("p.status").first.inner_text()
    assert page.locator(".current").count() >= 1  # the sentence heard then


def test_the_verify_report_is_accessible_and_each_miss_opens_its_moment(
    browser: Any, axe_script: Path, example_build: Built, tmp_path: Path
) -> None:
    """narrate verify's page for people (``.narrate/verify.html``): no WCAG A or AA violation,
    and a miss's time opens the episode page at that moment."""
    import shutil

    from narrate.config import EXAMPLE_SHOW, load_settings
    from narrate.models import Hearing, Miss, Verified
    from narrate.publish.verify import write_report

    out = tmp_path / "out"
    shutil.copytree(example_build.out, out)
    settings = load_settings(EXAMPLE_SHOW, summaries=[], out_dir=out, use_cache=False)
    misses = (
        Miss(64400, 65600, "nadph", "N, DP, H", "NADPH", 5),
        Miss(146300, 146500, "the", "their", "the", 9),
        Miss(150000, 150900, "nadph", "", "NADPH", 10),
    )
    verified = Verified("audio/mtros-macrophages.mp3", "Invading immune cells",
                        f"episodes/{SLUG}/", ("99.0% of its 489 words heard",),
                        Hearing(489, 5, misses, ()))  # fmt: skip
    report = write_report(settings, [verified], '[phonemes]\nnadph = { ipa = "x" }\n')
    context = browser.new_context(viewport=DESKTOP, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(report.as_uri())
        assert page.locator("h1").inner_text() == "What a listener would miss"
        assert page.locator("th[rowspan='2']").inner_text() == "NADPH"  # grouped by term
        page.add_script_tag(path=str(axe_script))
        violations = page.evaluate(
            "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
            ".violations.map((v) => v.id)",
            WCAG_TAGS,
        )
        assert violations == []
        page.locator("a", has_text="1:04.4").click()
        page.wait_for_url(f"**/episodes/{SLUG}/index.html#t=64.4")
        page.wait_for_timeout(500)
        assert _audio(page, "[a.paused, a.currentTime]") == [True, pytest.approx(64.4, abs=0.1)]
    finally:
        context.close()
