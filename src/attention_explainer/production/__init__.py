"""The production line: scene catalog and input, parallel render, cache, assembly, outputs."""
