"""Shared fixtures: one `foundry-emulator` process (tests/conformance/emulator.yaml) for the
whole session, and helpers for its control endpoints."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
API_KEY = "emulator-key-0000"


@dataclass(frozen=True)
class Emulator:
    endpoint: str
    https_endpoint: str
    ca_file: str
    ca_pem: str

    def control(self, method: str, path: str, body: Any | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.endpoint + path, data=data, method=method)
        req.add_header("content-type", "application/json")
        with urllib.request.urlopen(req, timeout=30) as resp:
            text = resp.read()
        return json.loads(text) if text else None

    def scenario(self, name: str, script: dict[str, Any] | None = None) -> None:
        """Registers (or resets) a scenario."""
        self.control("POST", f"_emulator/scenarios/{name}", script or {})

    def requests(self, name: str) -> list[dict[str, Any]]:
        """The scenario's request log."""
        log: list[dict[str, Any]] = self.control("GET", f"_emulator/scenarios/{name}/requests")
        return log

    def config(self, scenario: str, **deployment: Any) -> dict[str, Any]:
        """A catalog dict of the emulator's deployments sending `x-emulator-scenario`."""
        return {
            "defaults": {
                "endpoint": self.endpoint,
                "auth": {"type": "api_key", "key": API_KEY},
                "headers": {"x-emulator-scenario": scenario},
                "retry": {"max_retries": 2, "base_delay_ms": 5, "max_delay_ms": 20},
            },
            "deployments": [
                {"name": "gpt-5.4", "max_tokens_param": "max_completion_tokens", "pricing": {"input": 1.25, "output": 10}},
                {"name": "DeepSeek-V3.2", **deployment},
                {"name": "Kimi-K2.6", "thinking": True},
                {"name": "gpt-5.1-codex", "responses_only": True, "max_tokens_param": "max_completion_tokens"},
                {"name": "text-embedding-3-small"},
            ],
        }


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    binary = Path(os.environ.get("FOUNDRY_EMULATOR_BIN", REPO / "target/debug/foundry-emulator"))
    if not binary.is_absolute():
        binary = REPO / binary
    if not binary.exists():
        pytest.fail(f"{binary} not found: build it with `cargo build -p foundry-emulator`")
    config = REPO / "tests/conformance/emulator.yaml"
    proc = subprocess.Popen([str(binary), "--config", str(config), "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        yield Emulator(
            endpoint=info["endpoint"],
            https_endpoint=info["https_endpoint"],
            ca_file=info["ca_file"],
            ca_pem=Path(info["ca_file"]).read_text(),
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)


def forked_child_exit_code(pid: int, seconds: float = 30) -> int:
    """The exit code of a forked child; fails the test (killing the child) if it hangs."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail("the forked child hung")
