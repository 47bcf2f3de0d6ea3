"""attention-explainer: a Manim explainer video of self-attention for your own sentence."""

__version__ = "0.1.0"
