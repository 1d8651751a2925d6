"""Shared test configuration.

In CI (the ``CI`` environment variable is set) a skipped test is a failure:
the PyTorch-parity, SVG-rendering and browser tests must actually run there,
and a missing ``torch``, ``dot`` or ``chromium`` must not pass silently.
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest
from hypothesis import HealthCheck, settings

IN_CI = bool(os.environ.get("CI"))

settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile("ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if IN_CI else "dev")

# Property tests that the issues ask to run >= 500 examples in CI use this.
MANY_EXAMPLES = 500 if IN_CI else 150


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, None, None]:
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped in CI, which is an error here: {reason}"


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if IN_CI and report.skipped:
        report.outcome = "failed"
