"""A short soak: 100 clients chat for 3 s while a slow reader is dropped.

The full soak (500 clients for 60 s, with the RSS and latency limits) is
``tests/bench/soak.py``; this bounded run keeps its delivery guarantees in
every test run. It builds ``native/bench/soak_*.cpp`` with cmake into
``build/reliability`` and skips, saying what is missing, without the tools.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from pytest_chatlab import ChatServer
from support.native_build import ROOT, build, missing_tools

CAP = 65536


@pytest.fixture(scope="module")
def soak_binary() -> Path:
    reason = missing_tools()
    if reason is not None:
        pytest.skip(f"cannot build chatlab-soak: {reason}")
    return build("chatlab-soak", ROOT / "build" / "reliability")


def soak(binary: Path, server: ChatServer, *args: str) -> dict:
    """Runs chatlab-soak against ``server``; its RESULT, with the exit status."""
    command = [str(binary), "--connect", f"{server.host}:{server.port}", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, f"chatlab-soak exited {done.returncode} without a RESULT:\n{done.stderr}"
    result: dict = json.loads(lines[-1].removeprefix("RESULT "))
    result["status"] = done.returncode
    result["stderr"] = done.stderr
    return result


def test_every_chat_arrives_once_and_in_order_while_a_slow_reader_is_dropped(
    chatlab_server_factory, soak_binary
):
    server = chatlab_server_factory(max_outbound_bytes=CAP)
    args = ["--clients", "100", "--duration", "3", "--rate", "4", "--text-bytes", "2000"]
    args += ["--warmup", "0.5", "--slow-at", "0.5", "--max-outbound-bytes", str(CAP)]

    result = soak(soak_binary, server, *args, "--drain-timeout", "5")

    assert result["sent"] >= 0.95 * 100 * 3 * 4  # R a second each; the last may miss the end
    assert result["delivered"] == result["expected"] == result["sent"] * 99
    counts = {name: result[name] for name in ("lost", "extra", "out_of_order", "misattributed")}
    assert counts == dict.fromkeys(counts, 0)
    assert (result["unexpected"], result["closed"]) == (0, 0), result["stderr"]
    assert result["drained"]
    assert result["synced"]
    slow = result["slow"]
    assert slow["error"] == "slow_consumer"
    assert slow["eof_s"] is not None
    assert slow["out_of_order"] == 0
    assert slow["drop_after_cap_s"] is not None
    assert slow["drop_after_cap_s"] < 2.0
    assert result["ok"]
    assert result["status"] == 0
