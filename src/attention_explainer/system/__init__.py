"""The machine: toolchain facts, preflight checks before a render, `doctor`."""
