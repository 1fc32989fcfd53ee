"""Mode 1 benchmark: the bound core from Python against the same calls in C++.

Run from the project root, in an environment with pytest-chatlab installed
and cmake, a C++ compiler and the nlohmann-json headers at hand:

    python tests/bench/bench_core.py

It builds native/bench (Release) into build/bench, runs the C++ loop, then
times the same three calls from Python, several rounds each, and prints the
medians and the Python/C++ ratio: the cost of crossing the binding.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import timeit

from native_build import build

import pytest_chatlab as chatlab

CHAT_FRAME = '{"type":"chat","text":"a chat line of sixty bytes, no more"}'
ROUNDS = 7
CALLS = 100_000


def native_figures() -> dict[str, float]:
    binary = build("chatlab-bench-core")
    output = subprocess.run([str(binary)], check=True, capture_output=True, text=True).stdout
    figures: dict[str, float] = json.loads(output)
    return figures


def median_ns(statement: str, namespace: dict[str, object]) -> float:
    rounds = timeit.repeat(statement, globals=namespace, number=CALLS, repeat=ROUNDS)
    return statistics.median(rounds) / CALLS * 1e9


def python_figures() -> dict[str, float]:
    room = chatlab.Room()
    for session in (1, 2, 3):
        room.join(session)
    chat = chatlab.decode(CHAT_FRAME)
    namespace: dict[str, object] = {"room": room, "chat": chat, "frame": CHAT_FRAME}
    namespace.update(decode=chatlab.decode, encode=chatlab.encode)
    return {
        "handle_message": median_ns("room.handle_message(1, chat)", namespace),
        "decode": median_ns("decode(frame)", namespace),
        "encode": median_ns("encode(chat)", namespace),
    }


def main() -> None:
    assert len(CHAT_FRAME) == 60
    native = native_figures()
    python = python_figures()
    print(f"{'operation':<16}{'C++ ns':>10}{'Python ns':>12}{'ratio':>8}")
    for name, py_ns in python.items():
        print(f"{name:<16}{native[name]:>10.0f}{py_ns:>12.0f}{py_ns / native[name]:>8.1f}")


if __name__ == "__main__":
    main()
