"""Manim scenes of the video, one module per segment (shipped as attention_explainer.scenes)."""
