"""Shared test set-up. Fixtures of one area live in their own module, loaded here as plugins."""

pytest_plugins = ("labelstudio_server", "browser")
