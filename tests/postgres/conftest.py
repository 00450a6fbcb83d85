"""The production configuration's tests need the PostgreSQL server of the project's machines
(PostgreSQL 15 on 127.0.0.1:5432, trust authentication, database `test`; .ci/run starts it).
Where it is not reachable they skip, saying so. Each test works in a database of its own,
created for it and dropped afterwards, so tests run in parallel and leave nothing behind.

CSSD_PG_HOST, CSSD_PG_PORT, CSSD_PG_USER, CSSD_PG_PASSWORD and CSSD_PG_DATABASE (the database
to connect to in order to create the others) point the tests at another server.
"""

import os
import uuid

import pytest

from orchestration.settings import PostgresSettings, postgres_settings


def _server() -> PostgresSettings:
    return postgres_settings(os.environ)


def _admin_connection(pg: PostgresSettings):
    import psycopg2

    con = psycopg2.connect(connect_timeout=3, **pg.connect_kwargs())
    con.autocommit = True
    return con


@pytest.fixture(scope="session")
def pg_server() -> PostgresSettings:
    pg = _server()
    try:
        con = _admin_connection(pg)
    except Exception as exc:  # psycopg2.OperationalError, or no psycopg2 at all
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        pytest.skip(
            f"no PostgreSQL server reachable at {pg.describe()} ({reason}): the production-configuration "
            "tests need one (.ci/run starts it; see docs/deploy.md)"
        )
    con.close()
    return pg


@pytest.fixture
def pg_database(pg_server: PostgresSettings):
    """A new, empty database for one test; dropped afterwards (with any session still on it)."""
    yield from _database(pg_server)


@pytest.fixture(scope="module")
def pg_module_database(pg_server: PostgresSettings):
    yield from _database(pg_server)


def _database(pg: PostgresSettings):
    name = f"cssd_test_{uuid.uuid4().hex[:12]}"
    con = _admin_connection(pg)
    try:
        con.cursor().execute(f'create database "{name}"')
        yield name
    finally:
        con.cursor().execute(f'drop database if exists "{name}" with (force)')
        con.close()


def pg_environment(pg: PostgresSettings, database: str) -> dict[str, str]:
    """The environment that points cssd (and dbt's postgres target) at ``database``."""
    env = {
        "CSSD_PG_HOST": pg.host,
        "CSSD_PG_PORT": str(pg.port),
        "CSSD_PG_USER": pg.user,
        "CSSD_PG_DATABASE": database,
    }
    if pg.password:
        env["CSSD_PG_PASSWORD"] = pg.password
    return env
