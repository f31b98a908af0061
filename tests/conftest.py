"""Fixtures shared by every test folder."""

from collections.abc import Iterator

import pytest

from orchestration.engines.local_postgres import LocalPostgres


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[LocalPostgres]:
    """Start a throwaway PostgreSQL server on 127.0.0.1 for the session, and stop it after."""
    server = LocalPostgres.start()
    try:
        yield server
    finally:
        server.stop()
