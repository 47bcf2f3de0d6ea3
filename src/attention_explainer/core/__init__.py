"""The numeric core, pure NumPy (no Manim): tokens, the attention trace, multi-head, positions."""
