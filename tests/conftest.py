"""Shared test set-up. Fixtures of one area live in their own module, loaded here as plugins."""

from hypothesis import settings

pytest_plugins = ("labelstudio_server", "browser")

# Speed is measured by the benchmarks (benchmarks/), never by tests: no property test has a time
# limit per example. Hypothesis's default deadline (200 ms) failed a test on a busy CI machine
# (29 November 2026: one example took 475 ms on its first call, 0.23 ms on the next).
settings.register_profile("crocus-claims", deadline=None)
settings.load_profile("crocus-claims")
