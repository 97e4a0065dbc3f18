"""Ed25519 signatures over checkpoints (position + head hash), so an inspector can keep one and
later prove the ledger still holds the same history."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


class CheckpointSigner:
    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.public_key: Ed25519PublicKey = private_key.public_key()

    @classmethod
    def from_env(cls, data_dir: Path) -> CheckpointSigner:
        """`QA_LEDGER_CHECKPOINT_KEY` (base64 32-byte seed), else a dev key kept under the data dir."""
        seed = os.environ.get("QA_LEDGER_CHECKPOINT_KEY")
        if seed:
            return cls(Ed25519PrivateKey.from_private_bytes(base64.b64decode(seed)))
        if os.environ.get("QA_LEDGER_ENV", "dev") == "production":
            raise ValueError("production needs QA_LEDGER_CHECKPOINT_KEY to sign integrity checkpoints")
        path = data_dir / "checkpoint-ed25519.key"
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(base64.b64encode(os.urandom(32)).decode())
            path.chmod(0o600)
        return cls(Ed25519PrivateKey.from_private_bytes(base64.b64decode(path.read_text())))

    @property
    def public_key_b64(self) -> str:
        return base64.b64encode(self.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()

    def sign(self, statement: dict[str, Any]) -> str:
        return base64.b64encode(self._key.sign(canonical(statement))).decode()

    def verify(self, statement: dict[str, Any], signature_b64: str) -> bool:
        return verify_signature(self.public_key_b64, statement, signature_b64)


def canonical(statement: dict[str, Any]) -> bytes:
    return json.dumps(statement, sort_keys=True, separators=(",", ":")).encode()


def verify_signature(public_key_b64: str, statement: dict[str, Any], signature_b64: str) -> bool:
    """Offline check an inspector can run with only the published public key."""
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64))
        key.verify(base64.b64decode(signature_b64), canonical(statement))
    except (InvalidSignature, ValueError):
        return False
    return True
