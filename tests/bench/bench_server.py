"""Mode 2 benchmarks: the server fixture's cost, connect latency, capacity, fan-out.

Run from the project root with pytest-chatlab installed (and, for the
fan-out figure, cmake and a C++ compiler to build the load generator):

    python tests/bench/bench_server.py [lifecycle|activation|connect|capacity|fanout ...]
        [--baseline PATH]

- lifecycle: ChatServer start + stop (what server_process does) against the
  floor on the same binary in the same run: Popen in a new session, read the
  READY line, killpg, wait. Median of interleaved rounds, and the ratio.
- activation: from ``start()`` to the first frame a client receives (the
  welcome), with the READY sentinel and with socket activation, interleaved.
- connect: a MockClient from connect until its roster has arrived.
- capacity: 1,000 clients connected and idle; the server's RSS growth per
  connection (VmRSS after, minus before, over 1,000).
- fanout: native/bench/loadgen.cpp, 100 receivers and one sender of 2,000
  60-byte lines, deliveries per second (median of 5 runs). With
  ``--baseline PATH`` it alternates rounds between that server binary and
  this one (18 runs each) and prints the ratio of the medians.
"""

from __future__ import annotations

import os
import re
import resource
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from native_build import build

from pytest_chatlab import ChatServer, MockClient, server_binary

ROUNDS = 31


def lifecycle(binary: Path) -> None:
    floor, fixture = [], []
    with tempfile.TemporaryDirectory() as logs:
        for _ in range(ROUNDS):
            started = time.perf_counter()
            with subprocess.Popen(
                [str(binary), "--port", "0", "--exit-on-stdin-eof"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                start_new_session=True,
            ) as proc:
                assert proc.stdout is not None
                assert proc.stdout.readline().startswith(b"READY ")
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait()
            floor.append(time.perf_counter() - started)

            started = time.perf_counter()
            ChatServer(binary, log_dir=Path(logs)).start().stop()
            fixture.append(time.perf_counter() - started)
    base, ours = statistics.median(floor), statistics.median(fixture)
    print(
        f"lifecycle: floor {base * 1e3:.2f} ms, ChatServer {ours * 1e3:.2f} ms, "
        f"ratio {ours / base:.2f} (median of {ROUNDS})"
    )


def connect(binary: Path) -> None:
    with ChatServer(binary) as server:
        times = []
        for _ in range(300):
            started = time.perf_counter()
            with MockClient(server.address) as client:
                client.recv_until(lambda f: f["type"] == "roster")
                times.append(time.perf_counter() - started)
    print(
        f"connect until roster: median {statistics.median(times) * 1e3:.3f} ms, "
        f"p90 {statistics.quantiles(times, n=10)[-1] * 1e3:.3f} ms (300 clients)"
    )


def activation(binary: Path) -> None:
    """From start() to the first frame answered (the welcome): READY against
    socket activation, where the address is known before the process runs."""
    times: dict[bool, list[float]] = {False: [], True: []}
    with tempfile.TemporaryDirectory() as logs:
        for _ in range(ROUNDS):
            for activated in (False, True):
                started = time.perf_counter()
                server = ChatServer(binary, socket_activation=activated, log_dir=Path(logs))
                server.start()
                with MockClient(server.address) as client:
                    client.recv()
                    times[activated].append(time.perf_counter() - started)
                server.stop()
    ready, activated = statistics.median(times[False]), statistics.median(times[True])
    print(
        f"start to first answer: READY {ready * 1e3:.2f} ms, socket activation "
        f"{activated * 1e3:.2f} ms, ratio {activated / ready:.2f} (median of {ROUNDS})"
    )


def rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    assert match is not None
    return int(match[1])


def capacity(binary: Path, clients: int = 1000) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    # The last roster every member receives ends with the newest member's name.
    done = f'"guest-{clients}"]}}\n'.encode()
    with ChatServer(binary) as server, selectors.DefaultSelector() as selector:
        tails: dict[socket.socket, bytes] = {}
        buffer = bytearray(1 << 18)
        before = rss_kib(server.pid)
        started = time.perf_counter()
        for _ in range(clients):
            sock = socket.create_connection(server.address)
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ)
            tails[sock] = b""
            drain(selector, tails, buffer, timeout=0)
        while any(not tail.endswith(done) for tail in tails.values()):
            drain(selector, tails, buffer, timeout=5)
        elapsed = time.perf_counter() - started
        # Two sync round trips: the server has been idle in between at least
        # once, which is when it returns burst memory to the kernel.
        for barrier in ("rss-1", "rss-2"):
            sync(selector, tails, buffer, sock, barrier)
        after = rss_kib(server.pid)
        for sock in tails:
            sock.close()
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    print(
        f"capacity: {clients} idle clients in {elapsed:.1f} s; server RSS {before} KiB -> "
        f"{after} KiB, {(after - before) / clients:.1f} KiB per connection"
    )


def sync(
    selector: selectors.BaseSelector,
    tails: dict[socket.socket, bytes],
    buffer: bytearray,
    sock: socket.socket,
    barrier: str,
) -> None:
    sock.sendall(f'{{"id":"{barrier}","type":"sync"}}\n'.encode())
    answer = f'{{"id":"{barrier}","type":"sync"}}\n'.encode()
    while not tails[sock].endswith(answer):
        drain(selector, tails, buffer, timeout=5)


def drain(
    selector: selectors.BaseSelector,
    tails: dict[socket.socket, bytes],
    buffer: bytearray,
    timeout: float,
) -> None:
    events = selector.select(timeout)
    assert events or timeout == 0, "the server went quiet before every roster arrived"
    for key, _ in events:
        sock: socket.socket = key.fileobj  # type: ignore[assignment]
        got = sock.recv_into(buffer)
        assert got, "the server closed a capacity client"
        tails[sock] = (tails[sock] + buffer[:got])[-64:]


def fanout(binary: Path, baseline: Path | None = None) -> None:
    """With ``baseline``, rounds alternate between the two binaries, so the
    machine's drift hits both alike, and the ratio of the medians is printed."""
    loadgen = build("chatlab-loadgen")
    binaries = {"this": binary} if baseline is None else {"baseline": baseline, "this": binary}
    rates: dict[str, list[int]] = {name: [] for name in binaries}
    rounds = 5 if baseline is None else 6
    for round_ in range(rounds):
        order = list(binaries.items())
        for name, path in order if round_ % 2 == 0 else order[::-1]:
            rates[name] += fanout_rates(loadgen, path, runs=1 if baseline is None else 3)
    for name, runs in rates.items():
        print(
            f"fanout ({name}): 100 receivers x 2,000 lines: median "
            f"{statistics.median(runs):,.0f} deliveries/s "
            f"(runs: {', '.join(f'{r:,}' for r in runs)})"
        )
    if baseline is not None:
        ratio = statistics.median(rates["this"]) / statistics.median(rates["baseline"])
        print(f"fanout: this / baseline = {ratio:.2f}")


def fanout_rates(loadgen: Path, binary: Path, runs: int) -> list[int]:
    rates = []
    with ChatServer(binary) as server:
        target = f"{server.host}:{server.port}"
        for _ in range(runs):
            out = subprocess.run(
                [str(loadgen), "--connect", target], check=True, capture_output=True, text=True
            ).stdout
            match = re.search(r"deliveries_per_s=(\d+)", out)
            assert match is not None, out
            rates.append(int(match[1]))
    return rates


def main() -> None:
    binary = server_binary()
    args = sys.argv[1:]
    baseline = None
    if "--baseline" in args:  # fanout against another build, e.g. the last release's
        at = args.index("--baseline")
        baseline = Path(args[at + 1])
        del args[at : at + 2]
    chosen = args or ["lifecycle", "connect", "capacity", "fanout"]
    benches = {
        "lifecycle": lifecycle,
        "activation": activation,
        "connect": connect,
        "capacity": capacity,
    }
    for name in chosen:
        if name == "fanout":
            fanout(binary, baseline)
        else:
            benches[name](binary)


if __name__ == "__main__":
    main()
