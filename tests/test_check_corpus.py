"""`check` is clean for every entry of the corpus (tests/check_corpus.py): the default video, 1 to
64 tokens, a 40-letter word, scripts without spaces and right to left, emoji, numbers and symbols,
d_model and d_k at 1 and 16, precision 0 and 3, causal, the light theme, captions off and every
optional segment. Built as `check` builds them (child processes, animations skipped); the entries
come in BATCHES tests, each checked with one `check_many` call, so one child process builds a
batch's scenes (Manim starts once per batch, not once per entry)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from attention_explainer.config.loader import validate_config
from attention_explainer.config.catalog import scene_by_id
from attention_explainer.production.check import check_many

sys.path.insert(0, str(Path(__file__).parent))
from check_corpus import CORPUS, config_for  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def corpus_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One media folder for the run, shared by its xdist processes: a formula or text made for one
    entry is there for every later entry of either process. Safe as for two users' checks of one
    project at once: a child holds its scene's Manim folder (an flock; a second child meanwhile
    gets <scene>.1), work folders are per process, cache entries are written file first, meta last."""
    base = tmp_path_factory.getbasetemp()
    path = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "corpus-media"
    path.mkdir(exist_ok=True)
    return path


BATCHES = 4  # tests; each a group of its own (conftest.SPREAD), spread over both processes


@pytest.mark.parametrize("batch", range(BATCHES))
def test_check_is_clean(corpus_media: Path, batch: int) -> None:
    """Every BATCHES-th entry (the heavy ones come first in CORPUS, so they spread): no finding."""
    entries = CORPUS[batch::BATCHES]
    results = check_many([([scene_by_id(s) for s in scenes], validate_config(config_for(cfg, scenes)))
                          for _, cfg, scenes in entries], corpus_media, jobs=1, use_cache=False)
    assert [r.scenes for r in results] == [scenes for _, _, scenes in entries]
    assert [f"{name}: {f.line()}" for (name, _, _), r in zip(entries, results) for f in r.findings] == []


def test_the_corpus_covers_what_users_bring() -> None:
    """The cases the corpus promises are there (a renamed or dropped entry fails here)."""
    names = {c[0] for c in CORPUS}
    assert {"default", "1-token", "8-tokens", "16-tokens", "64-tokens", "40-letter-word", "chinese", "japanese",
            "arabic", "devanagari", "thai", "emoji", "numbers-symbols", "d-1", "d-16", "precision-0",
            "precision-3", "causal", "light-theme", "captions-off"} <= names
    from attention_explainer.config.catalog import SCENES

    assert {s.id for s in SCENES if s.optional} <= names  # each optional segment
    from check_corpus import LONG_WORD, words

    assert len(LONG_WORD) == 40 and len(words(64).split()) == 64
