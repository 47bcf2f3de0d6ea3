"""Where the numbers of the trace come from, in words for the screen.

The video's single head is not a trained model: its embeddings and weights are drawn from the
seed (rounded so they can be checked by hand) unless the config gives them. Wherever the video
reads meaning into a weight ("cat attends most to sat") it says so, so a viewer does not take a
random pattern for something learned. (The real-model segment shows a trained model's numbers
and says so itself.)
"""

from __future__ import annotations

from attention_explainer.core.spec import AttentionSpec

_GIVEN = ("embeddings", "W_Q", "W_K", "W_V")


def weights_note(model: AttentionSpec, long: bool = False) -> str:
    """One short line: random (seeded) numbers, or the config's own, and not a trained model;
    `long` adds why they are shown (to check by hand).

        >>> from attention_explainer.config import Config
        >>> weights_note(Config().attention_spec())
        'random weights (seed 0), not trained'
    """
    given = [name for name in _GIVEN if getattr(model, name, None) is not None]
    if len(given) == len(_GIVEN):
        short = "weights from your config, not trained"
    elif given:
        short = f"random weights (seed {model.seed}) but {', '.join(given)}, not trained"
    else:
        short = f"random weights (seed {model.seed}), not trained"
    return f"{short}: numbers to check by hand, not meaning" if long else short
