"""The loopback fake MiMo in a process of its own, as the real API is.

In-process, the fake's server thread competes with the UI being measured for the GIL, so a
benchmark would charge the server's work to the client. The parent passes the scenarios to
serve (pickled) and reads the base URL back; closing stdin stops the server.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

from mimo_tui.fake import FakeMimo
from mimo_tui.fake.scenarios import Scenario

ROOT = Path(__file__).resolve().parents[1]


class RemoteFake:
    def __init__(self, api_key: str, *scenarios: Scenario) -> None:
        self.api_key = api_key
        self.scenarios = scenarios
        self.base_url = ""
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> RemoteFake:
        with tempfile.NamedTemporaryFile("wb", suffix=".pickle", delete=False) as fh:
            pickle.dump((self.api_key, list(self.scenarios)), fh)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.remote_fake", fh.name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert self._proc.stdout is not None
        self.base_url = self._proc.stdout.readline().strip()
        os.unlink(fh.name)
        if not self.base_url:
            raise RuntimeError("the fake MiMo process did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            self._proc.wait(timeout=10)


def main(path: str) -> None:
    with open(path, "rb") as fh:
        api_key, scenarios = pickle.load(fh)
    with FakeMimo(api_key=api_key) as fake:
        fake.queue(*scenarios)
        print(fake.base_url, flush=True)
        sys.stdin.read()  # until the parent closes it


if __name__ == "__main__":
    main(sys.argv[1])
