"""The lesson page in a real browser (Debian's chromium, driven by Playwright): offline, in sync
with the video, the numbers of `export`, presenter mode, keyboard, and no serious axe finding.

Needs `bash scripts/bootstrap.sh test` (chromium, playwright, node_modules/axe-core). The video
is rendered once per session (conftest.lesson_video)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from attention_explainer.scenes.components.text import fmt

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is installed by bootstrap.sh test")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed")]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM),
                              args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"])
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, lesson_video: Path) -> Iterator[Any]:
    """The lesson page, loaded, its video's metadata read; `page.requests` lists every URL asked for."""
    pg = browser.new_page(viewport={"width": 1280, "height": 900})
    pg.requests = []  # type: ignore[attr-defined]
    pg.errors = []  # type: ignore[attr-defined]
    pg.on("request", lambda r: pg.requests.append(r.url))
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.goto(lesson_video.with_suffix(".html").as_uri())
    until(pg, "document.getElementById('video').readyState >= 1")
    yield pg
    assert pg.errors == []
    pg.close()


def until(pg: Any, expression: str, timeout: float = 10.0) -> None:
    """Poll a JS expression until it is true (the page's CSP forbids wait_for_function's eval)."""
    deadline = time.monotonic() + timeout
    while not pg.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        time.sleep(0.01)


def manifest(video: Path) -> dict[str, Any]:
    return json.loads(video.with_name(video.stem + ".manifest.json").read_text(encoding="utf-8"))


def beats(video: Path) -> list[dict[str, Any]]:
    return [b for s in manifest(video)["scenes"] for b in s["beats"]]


def now(pg: Any) -> float:
    return pg.evaluate("document.getElementById('video').currentTime")


def arm_seek(pg: Any) -> None:
    """Record the time the next seek lands on (the video may play on after it)."""
    pg.evaluate("""() => { window.__seek = null; const v = document.getElementById('video');
        v.addEventListener('seeked', () => { window.__seek = v.currentTime; }, {once: true}); }""")


def landed(pg: Any) -> float:
    """Where the seek armed by arm_seek landed."""
    until(pg, "window.__seek !== null")
    return pg.evaluate("window.__seek")


def wait_seeked(pg: Any) -> None:
    until(pg, "!document.getElementById('video').seeking")


def test_no_request_leaves_the_page_folder(page: Any, lesson_video: Path) -> None:
    page.evaluate("document.getElementById('video').play()")
    page.wait_for_timeout(1500)
    page.locator("#chapter-list button").nth(1).click()
    page.select_option("#head-pick", index=1)
    page.wait_for_timeout(500)
    folder = lesson_video.parent.as_uri() + "/"
    outside = [u for u in page.requests if not (u.startswith(folder) or u.startswith(("blob:", "data:")))]
    assert page.requests and outside == []


def test_video_duration_is_the_manifests(page: Any, lesson_video: Path) -> None:
    duration = page.evaluate("document.getElementById('video').duration")
    assert abs(duration - manifest(lesson_video)["duration"]) <= 0.1


def test_clicking_a_chapter_and_a_word_seeks_there(page: Any, lesson_video: Path) -> None:
    chapter = manifest(lesson_video)["scenes"][1]
    button = page.locator("#chapter-list button").nth(1)
    assert chapter["title"] in button.inner_text()
    arm_seek(page)
    button.click()
    assert abs(landed(page) - chapter["start"]) <= 0.1
    b = beats(lesson_video)[3]
    word = page.locator(f'.word[data-beat="{b["id"]}"]').nth(4)
    arm_seek(page)
    word.click()
    assert abs(landed(page) - b["words"][4][0]) <= 0.1
    assert word.inner_text() == b["text"].split()[4]


def test_the_highlighted_word_follows_playback(page: Any, lesson_video: Path) -> None:
    times = sorted(w[0] for b in beats(lesson_video) for w in b["words"])
    page.evaluate("lesson.seek(8.0); document.getElementById('video').play()")
    seen = set()
    for _ in range(8):
        page.wait_for_timeout(400)
        state = page.evaluate("""() => { const v = document.getElementById('video'); const t0 = v.currentTime;
            const w = document.querySelector('.word.now'); return [t0, +w.dataset.start, v.currentTime]; }""")
        t0, start, t1 = state
        later = [t for t in times if t > start + 1e-6]
        assert start <= t1 + 0.05, state  # the word lit has begun...
        assert not later or later[0] > t0 - 0.05, state  # ...and no later word has
        seen.add(start)
    assert len(seen) >= 4  # it moved on with the voice


def test_every_heatmap_cell_prints_the_exports_weight(page: Any, lesson_video: Path) -> None:
    config = lesson_video.parent.parent / "lesson.yaml"
    export = subprocess.run([sys.executable, "-m", "attention_explainer", "export", "--config", str(config)],
                            capture_output=True, text=True, check=True)
    weights = json.loads(export.stdout)["weights"]
    cells = page.eval_on_selector_all("#heatmap-box td[data-q]", "tds => tds.map(t => [+t.dataset.q, +t.dataset.k, t.textContent])")
    assert len(cells) == len(weights) ** 2
    for q, k, text in cells:
        assert text == fmt(weights[q][k], 2)
    assert "rows = queries, columns = keys" in page.inner_text("body")


def test_a_weight_cell_explains_itself_and_seeks_to_its_row(page: Any, lesson_video: Path) -> None:
    cell = page.locator('#heatmap-box td[data-q="1"][data-k="2"]')
    cell.hover()
    detail = page.inner_text("#detail")
    assert "e^" in detail and detail.endswith(cell.inner_text())
    arm_seek(page)
    cell.click()
    row = page.evaluate("lesson.data.row_seek[1]")
    assert abs(landed(page) - row) <= 0.1
    said = [b for b in beats(lesson_video) if abs(b["start"] - row) < 1e-3][0]["text"]
    assert "cat" in said  # the beat that reads the focus row, "cat"


def test_keyboard_reaches_the_cells_and_m_mutes(page: Any, lesson_video: Path) -> None:
    page.locator('#heatmap-box td[data-q="0"][data-k="0"]').focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    focused = page.evaluate("[document.activeElement.dataset.q, document.activeElement.dataset.k]")
    assert focused == ["1", "1"]
    assert "weight" in page.inner_text("#detail")
    arm_seek(page)
    page.keyboard.press("Enter")
    assert abs(landed(page) - page.evaluate("lesson.data.row_seek[1]")) <= 0.1
    page.keyboard.press("m")
    assert page.evaluate("document.getElementById('video').muted")
    showing = page.evaluate("[...document.getElementById('video').textTracks].some(t => t.mode === 'showing')")
    assert showing != manifest(lesson_video)["burned_captions"]  # captions stay: in the frames, or shown over them
    page.evaluate("lesson.data.burned_captions = false")
    page.keyboard.press("m")
    page.keyboard.press("m")
    assert page.evaluate("[...document.getElementById('video').textTracks].some(t => t.mode === 'showing')")


def test_presenter_mode_stops_at_each_beat_end_and_goes_on(page: Any, lesson_video: Path) -> None:
    ends = [b["end"] for b in beats(lesson_video)]
    page.evaluate("lesson.present(true); lesson.seek(0); document.getElementById('video').play()")
    assert page.is_visible("#notes")
    for k in range(3):
        until(page, "document.getElementById('video').paused", 30)
        assert abs(now(page) - ends[k]) <= 0.25, (k, now(page), ends[k])
        assert page.evaluate("lesson.beat()") in (beats(lesson_video)[k]["id"], beats(lesson_video)[k + 1]["id"])
        assert beats(lesson_video)[k + 1]["text"] in page.inner_text("#notes-next")
        page.keyboard.press("ArrowRight")
        until(page, "!document.getElementById('video').paused", 5)
    until(page, "document.getElementById('video').paused", 30)
    page.evaluate("document.getElementById('video').play()")  # the video's own play button: one beat on
    until(page, "!document.getElementById('video').paused", 5)
    until(page, "document.getElementById('video').paused", 30)
    assert abs(now(page) - ends[4]) <= 0.25
    page.keyboard.press("PageUp")
    wait_seeked(page)
    assert page.evaluate("lesson.beat()") == beats(lesson_video)[3]["id"]


def test_the_real_model_heads_are_on_the_page(page: Any, lesson_video: Path) -> None:
    options = page.locator("#head-pick option").all_inner_texts()
    real = page.evaluate("lesson.data.real")
    assert len(options) == len(real["heads"]) >= 1
    cells = page.locator("#real-box td[data-q]").count()
    assert cells == len(real["pieces"]) ** 2


@pytest.mark.parametrize("query, present", [("", False), ("?theme=dark", False), ("?theme=dark", True)])
def test_no_serious_accessibility_finding(browser: Any, lesson_video: Path, query: str, present: bool) -> None:
    if not AXE.exists():
        pytest.skip("axe-core is installed into node_modules by bootstrap.sh test")
    pg = browser.new_page(viewport={"width": 1280, "height": 900})
    pg.goto(lesson_video.with_suffix(".html").as_uri() + query)
    pg.evaluate(f"lesson.present({str(present).lower()})")
    pg.add_script_tag(path=str(AXE))
    result = pg.evaluate("axe.run()")
    bad = [(v["id"], v["impact"], len(v["nodes"])) for v in result["violations"] if v["impact"] in ("serious", "critical")]
    pg.close()
    assert bad == []


def test_page_command_writes_a_presenting_page(tmp_path: Path, lesson_video: Path, browser: Any) -> None:
    copy = tmp_path / "usb"
    shutil.copytree(lesson_video.parent, copy)  # the folder moved elsewhere, as on a USB stick
    out = copy / "talk.html"
    run = subprocess.run([sys.executable, "-m", "attention_explainer", "page", str(copy / lesson_video.name), "-o",
                          str(out), "--present"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    pg = browser.new_page()
    pg.goto(out.as_uri())
    until(pg, "document.getElementById('video').readyState >= 1")
    assert pg.get_attribute("#present-toggle", "aria-pressed") == "true"
    assert pg.evaluate("document.body.classList.contains('presenting')")
    pg.close()
