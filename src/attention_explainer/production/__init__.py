"""The production line: scene input, parallel render, cache, assembly, outputs."""
