"""The distributed shape without Docker: `make run-distributed` (`python -m devtools.distributed`).

The same topology as docker-compose.yml, on one machine: a Kafka-protocol broker (Tansu, in memory,
unless KAFKA_BOOTSTRAP_SERVERS names one), the local PostgreSQL (database `qaledger_dev`; each service
connects as its own least-privilege role, the consumers each owning one schema), an SMTP catcher
writing .eml files, and the three services as separate processes, configured only by environment variables:

    ledger       python -m services.ledger        API + relay to Kafka          :8000
    projections  python -m services.projections   read models from Kafka        :8001
    notifier     python -m services.notifier      e-mail from Kafka, receipts   :8002
    web          python -m services.web           the pages, over the APIs      :8003

It waits for each /readyz, prints the URLs and a token command, then supervises: a service that exits
is restarted with backoff (`Supervisor`). Ctrl-C or SIGTERM stops everything. `ServiceProcess`,
`Topology` and `Supervisor` are what tests/e2e/test_distributed.py drives too.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import httpx
import psycopg
from psycopg import sql

from devtools.kafka_broker import TansuBroker, _die_with_parent, free_port
from devtools.smtp_catcher import SmtpCatcher

log = logging.getLogger("qa_ledger.distributed")

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEV_APP_ROLE = "qa_ledger_app"
DEV_APP_PASSWORD = "qa-ledger-dev-password"  # a local, trust-auth server; compose and production set their own
CONSUMER_SCHEMAS = ("projections", "notifier")  # each owned by the consumer's role, `qa_<schema>`

# Our settings are authoritative: a variable left in the caller's shell must not redirect a service.
SCRUBBED = (
    "PORT",
    "HOST",
    "LEDGER_DATABASE_URL",
    "PROJECTIONS_DATABASE_URL",
    "NOTIFIER_DATABASE_URL",
    "KAFKA_BOOTSTRAP_SERVERS",
    "KAFKA_TOPIC",
    "QA_LEDGER_URL",
    "QA_LEDGER_SERVICE_TOKEN",
    "SMTP_HOST",
    "SMTP_PORT",
)


@dataclass
class ServiceProcess:
    """One service as a child process: started, probed, stopped or killed by its own pid."""

    name: str
    module: str
    port: int
    env: dict[str, str]
    log_path: Path
    host: str = "127.0.0.1"
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ServiceProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as out:
            out.write(f"\n--- starting {self.module} on port {self.port} ---\n".encode())
            out.flush()
            self.process = subprocess.Popen(
                [sys.executable, "-m", self.module],
                cwd=ROOT,
                env={**self.env, "PORT": str(self.port), "HOST": self.host},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                # Own session: Ctrl-C reaches the orchestrator only, which then stops services in order;
                # and if the orchestrator dies, so do they.
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited (code {self.returncode()})\n{self.log_tail()}")
            try:
                answer = httpx.get(f"{self.url}/readyz", timeout=2.0)
                if answer.status_code == 200:
                    return
                last = answer.text
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not ready after {timeout:.0f}s: {last}\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no final commit. What a crash looks like."""
        process = self.process  # a supervisor may start a new one as soon as this one is gone
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(10)

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None:
            return
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)

    def returncode(self) -> int | None:
        return None if self.process is None else self.process.poll()

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "<no log>"
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class Topology:
    ledger: ServiceProcess
    projections: ServiceProcess
    notifier: ServiceProcess
    web: ServiceProcess | None = None  # the pages; `make run-distributed` starts them, tests may not

    @property
    def services(self) -> list[ServiceProcess]:
        return [self.ledger, self.projections, self.notifier, *([self.web] if self.web else [])]

    def start(self, timeout: float = 60.0) -> Topology:
        """The ledger first (it creates the topic and publishes), then both consumers together."""
        self.ledger.start().wait_ready(timeout)
        self.projections.start()
        self.notifier.start()
        self.projections.wait_ready(timeout)
        self.notifier.wait_ready(timeout)
        if self.web is not None:
            self.web.start().wait_ready(timeout)
        return self

    def stop(self) -> None:
        if self.web is not None:
            self.web.stop()
        for service in (self.notifier, self.projections, self.ledger):  # consumers before their source
            service.stop()


@dataclass
class Supervisor:
    """Keeps every service of a topology running: one that exits is started again after a backoff
    that doubles with each crash in a row (1 s, 2 s, 4 s … at most 30 s) and resets once the service
    has stayed up for a minute. Each crash and restart is logged; the others keep running meanwhile.
    `make run-distributed` runs it in the foreground; tests/e2e/test_distributed.py in a thread."""

    services: list[ServiceProcess]
    first_backoff: float = 1.0
    max_backoff: float = 30.0
    stable_after: float = 60.0
    restarts: Counter[str] = field(default_factory=Counter)
    crashes_in_a_row: Counter[str] = field(default_factory=Counter)  # in a row, per service
    restart_due: dict[str, float] = field(default_factory=dict)  # restart time of each service that is down
    up_since: dict[str, float] = field(default_factory=dict)

    def watch(self, stop: threading.Event, poll: float = 0.2) -> None:
        """Until `stop` is set: notice exits, restart when their backoff is over."""
        now = time.monotonic()
        self.up_since = {service.name: now for service in self.services}
        while not stop.wait(poll):
            self.check(time.monotonic())

    def check(self, now: float) -> None:
        for service in self.services:
            name = service.name
            if service.alive():
                if now - self.up_since.get(name, now) >= self.stable_after:
                    self.crashes_in_a_row[name] = 0
            elif name not in self.restart_due:
                self.crashes_in_a_row[name] += 1
                delay = min(self.max_backoff, self.first_backoff * 2 ** (self.crashes_in_a_row[name] - 1))
                self.restart_due[name] = now + delay
                log.error(
                    "%s exited (code %s); restarting in %.1f s (crash %d in a row). Last lines of %s:\n%s",
                    name,
                    service.returncode(),
                    delay,
                    self.crashes_in_a_row[name],
                    service.log_path,
                    service.log_tail(5),
                )
            elif now >= self.restart_due[name]:
                del self.restart_due[name]
                service.start()
                self.restarts[name] += 1
                self.up_since[name] = now
                log.warning("%s restarted (restart %d, pid %s)", name, self.restarts[name], service.pid)


@dataclass(frozen=True)
class Databases:
    ledger_url: str  # the least-privilege role, create_table=false
    projections_url: str
    notifier_url: str


def with_path(url: str, dbname: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{dbname}", query=""))


def prepare_databases(
    admin_url: str,
    database: str | None,
    *,
    app_role: str = DEV_APP_ROLE,
    app_password: str = DEV_APP_PASSWORD,
    role_suffix: str = "",
) -> Databases:
    """Create the database if missing and provision it as compose does: the ledger's restricted role,
    and the consumers' own roles and schemas. `database=None` uses the database `admin_url` already
    names (tests pass a fresh one, and a `role_suffix`: roles are shared by the whole server)."""
    from services.ledger.provision import ConsumerRole, provision, provision_consumer  # the compose one-shot's code

    if database is not None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        admin_url = with_path(admin_url, database)
    ledger_url = provision(admin_url, app_role, app_password)
    projections, notifier = (
        provision_consumer(admin_url, ConsumerRole(f"qa_{name}{role_suffix}", f"{name}-{DEV_APP_PASSWORD}", name))
        for name in CONSUMER_SCHEMAS
    )
    return Databases(ledger_url, projections, notifier)


def service_topology(
    *,
    databases: Databases,
    bootstrap_servers: str,
    smtp: tuple[str, int],
    data_dir: Path,
    jwt_secret: str,
    ports: tuple[int, int, int] = (8000, 8001, 8002),
    topic: str | None = None,
    group_suffix: str = "",
    extra_env: dict[str, str] | None = None,
    web_port: int | None = None,
) -> Topology:
    """The three services' environments: the only configuration they get."""
    base = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    base.update(
        {
            "QA_LEDGER_ENV": "dev",
            "QA_LEDGER_DATA_DIR": str(data_dir),
            "QA_LEDGER_JWT_SECRET": jwt_secret,  # one signing key, so a token works on every service
            "QA_LEDGER_LOG_FORMAT": os.environ.get("QA_LEDGER_LOG_FORMAT", "json"),
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap_servers,
            "PYTHONUNBUFFERED": "1",
        }
    )
    if topic:
        base["KAFKA_TOPIC"] = topic
    base.update(extra_env or {})
    ledger_port, projections_port, notifier_port = ports
    logs = data_dir / "logs"
    ledger = ServiceProcess(
        "ledger",
        "services.ledger",
        ledger_port,
        {**base, "LEDGER_DATABASE_URL": databases.ledger_url, "RELAY_POLL_SECONDS": "0.2"},
        logs / "ledger.log",
    )
    projections = ServiceProcess(
        "projections",
        "services.projections",
        projections_port,
        {
            **base,
            "PROJECTIONS_DATABASE_URL": databases.projections_url,
            "PROJECTIONS_KAFKA_GROUP_ID": f"qa-ledger-projections{group_suffix}",
            "QA_LEDGER_URL": ledger.url,
        },
        logs / "projections.log",
    )
    notifier = ServiceProcess(
        "notifier",
        "services.notifier",
        notifier_port,
        {
            **base,
            "NOTIFIER_DATABASE_URL": databases.notifier_url,
            "NOTIFIER_KAFKA_GROUP_ID": f"qa-ledger-notifier{group_suffix}",
            "QA_LEDGER_URL": ledger.url,  # receipts go back to the ledger over HTTP
            "SMTP_HOST": smtp[0],
            "SMTP_PORT": str(smtp[1]),
            "NOTIFIER_TICK_SECONDS": "1",
        },
        logs / "notifier.log",
    )
    web = (
        ServiceProcess(
            "web",
            "services.web",
            web_port,
            {
                **base,
                "QA_LEDGER_URL": ledger.url,
                "QA_LEDGER_PROJECTIONS_URL": projections.url,
                "QA_LEDGER_NOTIFIER_URL": notifier.url,
            },
            logs / "web.log",
        )
        if web_port
        else None
    )
    return Topology(ledger, projections, notifier, web)


@contextlib.contextmanager
def broker_for(bootstrap: str | None, port: int, log_path: Path) -> Iterator[str]:
    """An external broker when one is named, else Tansu in memory for the life of the run."""
    if bootstrap:
        yield bootstrap
        return
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with TansuBroker(port=port or None, log_path=log_path) as broker:
        yield broker.bootstrap_servers


def run_admin(ledger: ServiceProcess, args: list[str], timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    """The operator's one-shot, `python -m services.ledger.admin`, with the ledger's own environment
    (its store and its keys), as the compose `ledger-admin` service runs it."""
    return subprocess.run(
        [sys.executable, "-m", "services.ledger.admin", *args],
        cwd=ROOT,
        env=ledger.env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def admin_command(ledger: ServiceProcess) -> str:
    store = " ".join(f"{k}={shlex.quote(ledger.env[k])}" for k in ("LEDGER_DATABASE_URL", "QA_LEDGER_DATA_DIR"))
    example = "--sub qa.manager --name 'Priya Shah' --email priya.shah@example.gov.uk"
    return f"{store} {sys.executable} -m services.ledger.admin {example}"


def banner(topology: Topology, bootstrap: str, database: str, catcher: SmtpCatcher, data_dir: Path) -> str:
    token = f"{sys.executable} -m services.platform.tokens --data-dir {data_dir} --role qa_manager --sub qa.manager"
    return "\n".join(
        [
            "",
            f"QA Ledger, distributed: three processes, Kafka at {bootstrap}, PostgreSQL database {database}",
            f"  ledger       {topology.ledger.url}/docs     (relay: /v1/relay/status, metrics: /metrics)",
            f"  projections  {topology.projections.url}/docs",
            f"  notifier     {topology.notifier.url}/docs",
            *([f"  pages        {topology.web.url}/sign-in   (development sign-in)"] if topology.web else []),
            f"  e-mail       SMTP {catcher.host}:{catcher.port} -> {catcher.directory}/*.eml",
            f"  logs         {data_dir / 'logs'}/{{ledger,projections,notifier}}.log (JSON, with correlation ids)",
            f"  first time:  the first QA Manager (the operator's command):\n    {admin_command(topology.ledger)}",
            f"  a token:     QA=$({token})",
            "A service that crashes is restarted (with backoff); see the log lines above and its log file.",
            "Ctrl-C stops everything.",
            "",
        ]
    )


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.distributed",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data-dir", type=Path, default=Path("data/distributed"))
    parser.add_argument("--admin-url", default=os.environ.get("QA_LEDGER_ADMIN_DATABASE_URL", ADMIN_URL))
    parser.add_argument("--database", default="qaledger_dev")
    parser.add_argument("--kafka-port", type=int, default=9092, help="Tansu's port (0: any free one)")
    parser.add_argument("--smtp-port", type=int, default=1025)
    parser.add_argument("--ports", default="8000,8001,8002", help="ledger,projections,notifier")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    for noisy in ("kafka", "httpx", "mail.log"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)

    from services.platform.auth import local_key

    data_dir = args.data_dir.resolve()
    jwt_secret = os.environ.get("QA_LEDGER_JWT_SECRET") or local_key(data_dir)
    ports = tuple(int(p) for p in args.ports.split(","))
    if len(ports) != 3:
        parser.error("--ports needs three ports: ledger,projections,notifier")
    catcher = SmtpCatcher(data_dir / "mail", port=args.smtp_port or free_port())
    try:
        catcher.start()
        databases = prepare_databases(args.admin_url, args.database)
        broker_log = data_dir / "logs" / "tansu.log"
        with broker_for(os.environ.get("KAFKA_BOOTSTRAP_SERVERS"), args.kafka_port, broker_log) as bootstrap:
            topology = service_topology(
                databases=databases,
                bootstrap_servers=bootstrap,
                smtp=(catcher.host, catcher.port),
                data_dir=data_dir,
                jwt_secret=jwt_secret,
                ports=(ports[0], ports[1], ports[2]),
                web_port=ports[2] + 1,
            )
            try:  # the services stop before the broker they read from
                topology.start()
                print(banner(topology, bootstrap, args.database, catcher, data_dir), flush=True)
                Supervisor(topology.services).watch(threading.Event())  # until Ctrl-C or SIGTERM
                return 0
            finally:
                topology.stop()
    except KeyboardInterrupt:
        log.info("stopped")
        return 0
    finally:
        catcher.stop()


if __name__ == "__main__":
    raise SystemExit(main())
