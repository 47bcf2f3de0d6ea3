"""The scenes of the video: ids, titles, and where their code lives. Plain data (no Manim, no
scene import), below config so that config, narration, production and cli all read one catalog."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path


@dataclass(frozen=True)
class SceneInfo:
    """One segment of the video."""

    id: str  # CLI and config name, e.g. "math"
    module: str  # file stem in scenes/, e.g. "attention_math"
    cls: str  # Manim Scene class inside that module
    title: str  # chapter title
    optional: bool = False  # off in the default config

    @property
    def path(self) -> Path:
        """The scene's source file (inside the installed package or the checkout)."""
        return Path(str(resources.files("attention_explainer.scenes") / f"{self.module}.py"))


SCENES: tuple[SceneInfo, ...] = (
    SceneInfo("why-attention", "why_attention", "WhyAttention", "Why Self-Attention"),
    SceneInfo("math", "attention_math", "AttentionMath", "How Self-Attention Works: the Math"),
    SceneInfo("heatmap", "heatmap", "AttentionHeatmap", "Attention Heatmap"),
    SceneInfo("pipeline", "pipeline", "FullPipeline", "Full Self-Attention Pipeline"),
    SceneInfo("outro", "outro", "Outro", "Outro"),
    # Optional segments: off by default, on when listed in the config's video.scenes.
    SceneInfo("causal-mask", "causal_mask", "CausalMask", "Causal Mask: No Peeking Ahead", optional=True),
    SceneInfo("scaling", "scaling", "WhyScaling", "Why Divide by √d_k", optional=True),
    SceneInfo("multi-head", "multi_head", "MultiHead", "Multi-Head Attention", optional=True),
    SceneInfo("positional-encoding", "positional_encoding", "PositionalEncoding", "Positional Encoding",
              optional=True),
    SceneInfo("real-model", "real_model", "RealModel", "Inside a Real Model", optional=True),
)

DEFAULT_SCENE_IDS: tuple[str, ...] = tuple(s.id for s in SCENES if not s.optional)


def scene_by_id(scene_id: str) -> SceneInfo:
    """Look a scene up by id; KeyError if unknown."""
    for info in SCENES:
        if info.id == scene_id:
            return info
    raise KeyError(scene_id)


def scene_ids() -> list[str]:
    return [s.id for s in SCENES]
