"""A PostgreSQL server for the tests: the local one at 127.0.0.1:5432, or a testcontainer.

Each test run gets its own fresh database (dropped at the end); each test its own schema in it.
No server is a failure, never a silent skip: the suite's claim is that it runs on both stores.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse, urlunparse

import psycopg

ADMIN_URL = os.environ.get("QA_LEDGER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _reachable(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def _docker_available() -> bool:
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "info"], capture_output=True, check=False).returncode == 0


@contextmanager
def postgres_server() -> Iterator[str]:
    """An admin URL of a running server: local first, else a testcontainer where Docker runs."""
    if _reachable(ADMIN_URL):
        yield ADMIN_URL
        return
    if _docker_available():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:15", driver=None) as container:
            yield container.get_connection_url()
        return
    raise RuntimeError(
        f"no PostgreSQL at {ADMIN_URL} and no Docker engine for a testcontainer: "
        "start the local server (pg_ctlcluster 15 main start) or set QA_LEDGER_TEST_POSTGRES_URL"
    )


def with_database(url: str, dbname: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{dbname}"))


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    dbname = f"qaledger_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    try:
        yield with_database(admin_url, dbname)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def fresh_schema(database_url: str) -> str:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return schema
