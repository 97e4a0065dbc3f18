"""Set up PostgreSQL with least privilege: `python -m services.ledger.provision`.

Run once as the database owner (or a superuser). It creates the event tables, the hash-chain
table and their append-only triggers (through the ledger's own recorder) and the relay's tracking
table, then a login role that may only SELECT and INSERT events (and move the relay's position).
The service then connects as that role, with `?create_table=false`, so even a compromised ledger
process cannot edit history.

Given their passwords, it also gives the projections and the notifier a login role each, owning
its own schema (`projections`, `notifier`, and beside each the `…_rebuild` one a rebuild builds in)
and granted nothing else: they follow the ledger over Kafka or HTTP, so they may not read the
ledger's tables, nor each other's, nor create anything outside their schemas. Running it again is
safe: roles and grants are brought to this state.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from urllib.parse import quote, urlparse, urlunparse

import psycopg
from psycopg import sql

from services.ledger.adapters.store import eventsourcing_env
from services.ledger.application import LedgerApplication


def provision(admin_url: str, app_role: str, app_password: str, schema: str = "public") -> str:
    """Create tables and the restricted role; returns the URL the ledger should connect with."""
    owner_url = admin_url if schema == "public" else f"{admin_url}?schema={schema}"
    ledger = LedgerApplication(env=eventsourcing_env(owner_url))  # creates tables and triggers
    history_tables = ledger.recorder.append_only_tables  # type: ignore[attr-defined]
    events_table = history_tables[0]
    # The relay's published position (services/ledger/relay/tracking.py): a pointer, not history, so
    # it may be updated; the event and hash tables stay SELECT and INSERT only.
    tracking_table = ledger.factory.tracking_recorder().tracking_table_name  # type: ignore[attr-defined]
    ledger.close()
    s, role = sql.Identifier(schema), sql.Identifier(app_role)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (app_role,)).fetchone()
        verb = "ALTER" if exists else "CREATE"
        conn.execute(sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(role, sql.Literal(app_password)))
        conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(conn.info.dbname), role))
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(s, role))
        for table in history_tables:
            t = sql.SQL("{}.{}").format(s, sql.Identifier(table))
            conn.execute(sql.SQL("REVOKE ALL ON {} FROM {}").format(t, role))
            conn.execute(sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(t, role))
        tracking = sql.SQL("{}.{}").format(s, sql.Identifier(tracking_table.split(".")[-1]))
        conn.execute(sql.SQL("GRANT SELECT, INSERT, UPDATE ON {} TO {}").format(tracking, role))
        seq = sql.SQL("{}.{}").format(s, sql.Identifier(f"{events_table}_notification_id_seq"))
        conn.execute(sql.SQL("GRANT USAGE, SELECT ON SEQUENCE {} TO {}").format(seq, role))
    parts = urlparse(admin_url)
    netloc = f"{quote(app_role)}:{quote(app_password)}@{parts.hostname}:{parts.port or 5432}"
    query = "create_table=false" + (f"&schema={schema}" if schema != "public" else "")
    return urlunparse(parts._replace(netloc=netloc, query=query))


# Where a projections rebuild builds before it swaps in (services/projections: blue/green), beside the
# live schema and owned by the same role, so the projections never need the right to create schemas.
REBUILD_SUFFIX = "_rebuild"


@dataclass(frozen=True)
class ConsumerRole:
    """A consumer's database login: its role, password and the schema it owns (with its rebuild area)."""

    role: str
    password: str
    schema: str

    @property
    def schemas(self) -> tuple[str, str]:
        return self.schema, self.schema + REBUILD_SUFFIX


def provision_consumer(admin_url: str, consumer: ConsumerRole) -> str:
    """The consumer's role and schemas; returns the URL it should connect with (`?schema=`)."""
    role = sql.Identifier(consumer.role)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (consumer.role,)).fetchone()
        verb = "ALTER" if exists else "CREATE"
        conn.execute(
            sql.SQL(verb + " ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD {}").format(
                role, sql.Literal(consumer.password)
            )
        )
        database = sql.Identifier(conn.info.dbname)
        conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(database, role))
        # Nobody but the owner creates in `public` (PostgreSQL 15's default; older servers allowed it).
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        for name in consumer.schemas:
            schema = sql.Identifier(name)
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {} AUTHORIZATION {}").format(schema, role))
            conn.execute(sql.SQL("ALTER SCHEMA {} OWNER TO {}").format(schema, role))
            # Tables made before the consumer had its own role (by the owner) become the consumer's.
            for kind, table in conn.execute(
                "SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, c.relname FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'S')",
                (name,),
            ).fetchall():
                owned = sql.SQL("ALTER " + kind + " {}.{} OWNER TO {}")
                conn.execute(owned.format(schema, sql.Identifier(table), role))
    parts = urlparse(admin_url)
    netloc = f"{quote(consumer.role)}:{quote(consumer.password)}@{parts.hostname}:{parts.port or 5432}"
    return urlunparse(parts._replace(netloc=netloc, query=f"schema={consumer.schema}"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--admin-url", default=os.environ.get("LEDGER_ADMIN_DATABASE_URL"), required=False)
    parser.add_argument("--role", default=os.environ.get("LEDGER_APP_ROLE", "qa_ledger_app"))
    parser.add_argument("--password", default=os.environ.get("LEDGER_APP_PASSWORD"))
    parser.add_argument("--schema", default="public")
    # With a consumer's password, its own role and schema too (the schema is named after the consumer).
    arg, env = parser.add_argument, os.environ
    arg("--projections-role", default=env.get("PROJECTIONS_DB_ROLE", "qa_projections"))
    arg("--projections-password", default=env.get("PROJECTIONS_DB_PASSWORD"))
    arg("--notifier-role", default=env.get("NOTIFIER_DB_ROLE", "qa_notifier"))
    arg("--notifier-password", default=env.get("NOTIFIER_DB_PASSWORD"))
    args = parser.parse_args(argv)
    if not args.admin_url or not args.password:
        parser.error("--admin-url (LEDGER_ADMIN_DATABASE_URL) and --password (LEDGER_APP_PASSWORD) are required")
    url = provision(args.admin_url, args.role, args.password, args.schema)
    print(f"LEDGER_DATABASE_URL={url}")
    for consumer in ("projections", "notifier"):
        password = getattr(args, f"{consumer}_password")
        if password:
            role = ConsumerRole(getattr(args, f"{consumer}_role"), password, consumer)
            print(f"{consumer.upper()}_DATABASE_URL={provision_consumer(args.admin_url, role)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
