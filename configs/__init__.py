"""Bundled YAML configs (configs/default.yaml is the packaged default)."""
