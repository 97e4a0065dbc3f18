"""docker-compose.yml is valid (Debian's `docker-compose config -q`; no engine runs here) and runs the
services exactly as `make run-distributed` and the distributed end-to-end test do: same entry points,
every variable one the code reads, health checks on /readyz, and a start order that respects the
dependencies."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from devtools.distributed import service_topology

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("ledger", "projections", "notifier")
# Variables read by libraries or images rather than by our code.
NOT_OURS = {"PYTHONUNBUFFERED"}


def compose_config() -> dict[str, Any]:
    binary = shutil.which("docker-compose")
    assert binary, "docker-compose is not installed (make test installs Debian's package when run as root)"
    quiet = subprocess.run([binary, "config", "-q"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert quiet.returncode == 0, quiet.stderr
    resolved = subprocess.run([binary, "config"], cwd=ROOT, capture_output=True, text=True, check=True)
    return yaml.safe_load(resolved.stdout)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    return compose_config()


def variables_read_by_the_code() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "services").rglob("*.py"):
        names |= set(re.findall(r"""(?:environ|env)\.get\(\s*["']([A-Z0-9_]+)["']""", path.read_text()))
        names |= set(re.findall(r"""environ\[["']([A-Z0-9_]+)["']\]""", path.read_text()))
    return names


def test_compose_is_valid_and_has_the_whole_topology(config: dict[str, Any]) -> None:
    services = config["services"]
    assert set(services) >= {
        "postgres",
        "kafka",
        "kafka-topic",
        "mailpit",
        "ledger-provision",
        "ledger-admin",
        *SERVICES,
    }
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"  # KRaft, no ZooKeeper


def test_the_services_run_the_same_entry_points_as_the_local_distributed_run(
    config: dict[str, Any], tmp_path: Path
) -> None:
    from devtools.distributed import Databases

    local = service_topology(
        databases=Databases("a", "b", "c"),
        bootstrap_servers="k:9092",
        smtp=("m", 25),
        data_dir=tmp_path,
        jwt_secret="s",
    )
    for service in local.services:
        assert config["services"][service.name]["command"] == ["python", "-m", service.module]
        compose_env = set(config["services"][service.name]["environment"])
        assert set(service.env) & compose_env >= {"KAFKA_BOOTSTRAP_SERVERS", "QA_LEDGER_JWT_SECRET"}
    assert config["services"]["ledger-provision"]["command"] == ["python", "-m", "services.ledger.provision"]
    assert config["services"]["ledger-admin"]["command"] == ["python", "-m", "services.ledger.admin"]


def test_every_variable_given_to_a_service_is_one_the_code_reads(config: dict[str, Any]) -> None:
    known = variables_read_by_the_code()
    for name in (*SERVICES, "ledger-provision", "ledger-admin"):
        unknown = set(config["services"][name]["environment"]) - known - NOT_OURS
        assert not unknown, f"{name}: variables no code reads (misspelt?): {sorted(unknown)}"


def test_the_topic_is_created_with_one_partition_kept_for_ever(config: dict[str, Any]) -> None:
    from services.feed.kafka import TOPIC_CONFIGS

    command = config["services"]["kafka-topic"]["command"]
    assert command[command.index("--partitions") + 1] == "1"
    assert {command[i + 1] for i, arg in enumerate(command) if arg == "--config"} == {
        f"{key}={value}" for key, value in TOPIC_CONFIGS.items()
    }


def test_each_service_connects_as_its_own_restricted_role(config: dict[str, Any]) -> None:
    env = {name: config["services"][name]["environment"] for name in (*SERVICES, "ledger-provision", "ledger-admin")}
    assert "create_table=false" in env["ledger"]["LEDGER_DATABASE_URL"]
    assert env["ledger"]["LEDGER_DATABASE_URL"].startswith("postgresql://qa_ledger_app:")
    assert env["ledger-admin"]["LEDGER_DATABASE_URL"] == env["ledger"]["LEDGER_DATABASE_URL"]
    assert env["ledger-admin"]["QA_LEDGER_CIPHER_KEY"] == env["ledger"]["QA_LEDGER_CIPHER_KEY"]
    provision = env["ledger-provision"]
    for consumer in ("projections", "notifier"):
        role, password = provision[f"{consumer.upper()}_DB_ROLE"], provision[f"{consumer.upper()}_DB_PASSWORD"]
        url = env[consumer][f"{consumer.upper()}_DATABASE_URL"]
        assert url.startswith(f"postgresql://{role}:{password}@") and url.endswith(f"?schema={consumer}")
    assert env["notifier"]["SMTP_HOST"] == "mailpit"
    assert env["notifier"]["QA_LEDGER_URL"] == env["projections"]["QA_LEDGER_URL"] == "http://ledger:8000"
    assert len({env[name]["QA_LEDGER_JWT_SECRET"] for name in SERVICES}) == 1  # one key: tokens work everywhere


def test_health_checks_and_start_order(config: dict[str, Any]) -> None:
    services = config["services"]
    for name in (*SERVICES, "postgres", "kafka", "mailpit"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no health check"
    for name in SERVICES:
        assert "/readyz" in " ".join(services[name]["healthcheck"]["test"])
    assert services["ledger"]["depends_on"] == {
        "ledger-provision": {"condition": "service_completed_successfully"},
        "kafka-topic": {"condition": "service_completed_successfully"},
    }
    assert services["kafka-topic"]["depends_on"] == {"kafka": {"condition": "service_healthy"}}
    for consumer in ("projections", "notifier"):
        depends = services[consumer]["depends_on"]
        assert depends["ledger"] == {"condition": "service_healthy"}
        assert depends["ledger-provision"] == {"condition": "service_completed_successfully"}  # their roles
    assert services["notifier"]["depends_on"]["mailpit"] == {"condition": "service_healthy"}
    assert services["ledger-admin"]["depends_on"] == {
        "ledger-provision": {"condition": "service_completed_successfully"}
    }
    for name in SERVICES:  # like `make run-distributed`'s supervisor, Docker restarts a crashed service
        assert services[name]["restart"] == "unless-stopped"
