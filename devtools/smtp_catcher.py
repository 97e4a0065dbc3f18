"""A local SMTP catcher for `make run-distributed`: accepts every message, keeps it as a .eml file
and logs who it was for. Production points SMTP_HOST at a real relay; compose uses mailpit.

    python -m devtools.smtp_catcher --port 1025 --dir data/distributed/mail
"""

from __future__ import annotations

import argparse
import logging
import threading
import time
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

log = logging.getLogger("qa_ledger.smtp_catcher")


class _Keeper:
    def __init__(self, catcher: SmtpCatcher) -> None:
        self.catcher = catcher

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.catcher.keep(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


class SmtpCatcher:
    """aiosmtpd on `host:port` in a background thread; each message becomes `<n>-<time>.eml`."""

    def __init__(self, directory: Path, host: str = "127.0.0.1", port: int = 1025) -> None:
        self.directory = directory
        self.host, self.port = host, port
        self.count = 0
        self._lock = threading.Lock()
        self._controller = Controller(_Keeper(self), hostname=host, port=port)

    def keep(self, mail_from: str, rcpt_tos: list[str], content: bytes) -> Path:
        message = message_from_bytes(content, policy=policy.default)
        with self._lock:
            self.count += 1
            path = self.directory / f"{self.count:05d}-{time.strftime('%Y%m%dT%H%M%S')}.eml"
        self.directory.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        log.info("mail to %s: %s (%s)", ", ".join(rcpt_tos), message["Subject"], path)
        return path

    def messages(self) -> list[Path]:
        return sorted(self.directory.glob("*.eml")) if self.directory.exists() else []

    def start(self) -> SmtpCatcher:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.count = len(self.messages())  # numbering continues across runs
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.smtp_catcher", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--dir", type=Path, default=Path("data/distributed/mail"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    catcher = SmtpCatcher(args.dir, args.host, args.port).start()
    log.info("catching mail on %s:%s into %s (Ctrl-C to stop)", args.host, args.port, args.dir)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        catcher.stop()


if __name__ == "__main__":
    raise SystemExit(main())
