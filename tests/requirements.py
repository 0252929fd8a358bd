"""What the suite needs from outside Python, and what happens where it is missing.

Programs only the system can install (Debian's chromium, SpamAssassin) are asked for with a
marker: `@pytest.mark.browser`, `@pytest.mark.spamassassin`. Where the program is not on
PATH as an executable, the test is skipped and the summary names the program and its
install command; with SYNDICATE_TEST_REQUIRE=all (CI) the test fails instead. PostgreSQL
tests (`@pytest.mark.postgres`) run against SYNDICATE_TEST_DB when given, else against a
throwaway server from the `pgserver` package, and skip only where pgserver has no wheel.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections import defaultdict

import pytest

REQUIRE_ALL = pytest.StashKey[bool]()
MISSING = pytest.StashKey[defaultdict[str, list[str]]]()

# marker -> (program, how to install it)
PROGRAMS = {
    "browser": ("chromium", "apt-get install chromium"),
    "spamassassin": ("spamassassin", "apt-get install spamassassin"),
}
# Parametrize a test over both databases (with indirect=True): the `postgres` one runs on
# PostgreSQL everywhere, the other on SYNDICATE_TEST_DB's server when given, else SQLite.
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]
PGSERVER = ("pgserver", "pip install pgserver (wheels for CPython 3.10-3.12 on x86_64)")


def configure(config: pytest.Config) -> None:
    """Read SYNDICATE_TEST_REQUIRE before the autouse fixture clears SYNDICATE_* variables."""
    config.stash[REQUIRE_ALL] = os.environ.get("SYNDICATE_TEST_REQUIRE", "") == "all"
    missing: defaultdict[str, list[str]] = defaultdict(list)
    config.stash[MISSING] = missing


def _missing_for(item: pytest.Item) -> tuple[str, str] | None:
    for marker, (program, install) in PROGRAMS.items():
        if item.get_closest_marker(marker) and shutil.which(program) is None:
            return program, install
    if (
        item.get_closest_marker("postgres")
        and not os.environ.get("SYNDICATE_TEST_DB")
        and importlib.util.find_spec("pgserver") is None
    ):
        return PGSERVER
    return None


def check(item: pytest.Item) -> None:
    """Skip (or, when everything is required, fail) a test whose program is missing."""
    missing = _missing_for(item)
    if missing is None:
        return
    program, install = missing
    if item.config.stash[REQUIRE_ALL]:
        pytest.fail(f"{program} is required (SYNDICATE_TEST_REQUIRE=all) but missing: {install}")
    item.config.stash[MISSING][f"{program} ({install})"].append(item.nodeid)
    pytest.skip(f"needs {program}: {install}")


def summarize(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """Name each missing program, its install command and the tests it skipped."""
    missing = config.stash.get(MISSING, None)
    if not missing:
        return
    terminalreporter.section("skipped for want of a program")
    for program, nodeids in sorted(missing.items()):
        terminalreporter.write_line(f"{program}: {len(nodeids)} skipped")
        for nodeid in nodeids:
            terminalreporter.write_line(f"    {nodeid}")
