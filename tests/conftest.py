"""Shared fixtures: every test runs under pytest-trio (trio_mode in pyproject.toml)."""
