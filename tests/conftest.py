"""Fixtures shared by the whole suite: an isolated environment and a temporary site."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import requirements
from site_helpers import store
from sqlalchemy.engine import Engine

from syndicate.config import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "seeds" / "000_b2a32333ab539f9f.txt"


def pytest_configure(config: pytest.Config) -> None:
    requirements.configure(config)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    requirements.check(item)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    requirements.summarize(terminalreporter, config)


@pytest.fixture(autouse=True)
def isolated_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's SYNDICATE_* settings out of every test.

    The suite's own backend switch, SYNDICATE_TEST_DB, is the one variable passed on.
    """
    for name in list(os.environ):
        if name.startswith("SYNDICATE_") and name != "SYNDICATE_TEST_DB":
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server: SYNDICATE_TEST_DB's, else a throwaway one from `pgserver`."""
    given = os.environ.get("SYNDICATE_TEST_DB")
    if given:
        yield given
        return
    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset; harmless for a test server.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
        # pgserver re-exports get_server without marking it public; take it from its module.
        from pgserver.postgres_server import get_server

        # Not under pytest's 0700 temporary folder: run as root, pgserver starts the server
        # as a user of its own, which must reach the data folder.
        data = tempfile.mkdtemp(prefix="syndicate-pg-")
        server = get_server(data, cleanup_mode="stop")
    uri = server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
    yield uri
    server.cleanup()
    shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The database a test parametrized over BACKENDS runs on."""
    return str(request.param)


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """A database of the test's own on a PostgreSQL server, else None (SQLite).

    The server is SYNDICATE_TEST_DB's for every test, and pgserver's for a `postgres` test.
    """
    server = os.environ.get("SYNDICATE_TEST_DB")
    if request.node.get_closest_marker("postgres"):
        server = request.getfixturevalue("postgres_server")
    elif (
        getattr(request.node, "callspec", None)
        and request.node.callspec.params.get("backend") == "sqlite"
    ):
        server = None  # the SQLite half of a test over both backends stays on SQLite
    if not server:
        yield None
        return
    import sqlalchemy as sa

    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    yield sa.make_url(server).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


@pytest.fixture
def site(tmp_path: Path, database_url: str | None) -> Iterator[Path]:
    """A new site folder with a real base URL, so no placeholder warnings get in the way."""
    folder = tmp_path / "site"
    (folder / "content").mkdir(parents=True)
    config = '[site]\ntitle = "The Example Desk"\nbase_url = "https://news.example.com"\n'
    # The suite's articles are dated in 2025: mail them however old (newsletter.max_age).
    config += "\n[newsletter]\nmax_age = 0\n"
    if database_url:
        config += f'\n[database]\nurl = "{database_url}"\n'
    (folder / "syndicate.toml").write_text(config, encoding="utf-8")
    yield folder


@pytest.fixture
def settings(site: Path) -> Settings:
    """The temporary site's settings (a module may override this to configure more)."""
    return load_settings(site)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    """The site's database, let go of after the test."""
    with store(settings) as opened:
        yield opened


@pytest.fixture
def conf(tmp_path: Path) -> Settings:
    """The settings of a site folder not created yet: every default, for the readers."""
    return load_settings(tmp_path / "site")


@pytest.fixture
def seed() -> Path:
    """The sample article in ../shared (CI has it beside the clone)."""
    assert SEED.is_file(), f"the sample article is missing: {SEED}"
    return SEED


# The shared SMTP server fixtures (tests/smtp_server.py), for every test module.
from smtp_server import smtp_server, tls_smtp_server  # noqa: E402, F401
