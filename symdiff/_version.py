"""The symdiff version, read by the build backend (pyproject.toml) and at runtime."""

__version__ = "0.1.0"
