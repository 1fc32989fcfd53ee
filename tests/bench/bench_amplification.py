"""The /who amplification (issue 9): the server's peak RSS growth under attack.

Run from the project root with pytest-chatlab installed:

    python tests/bench/bench_amplification.py [--members 300] [--attackers 10]
        [--runs 3] [--server PATH] [--max-outbound-bytes N]

Connects the members (they keep reading), then the attackers: each sends one
64 KiB write of ``/who`` lines on a socket with a 4 KiB receive buffer and
never reads. Prints, per run, the growth of the server's VmHWM (reset once
the members are in), how each attacker's stream ended, and the median; then
the same for the control, where as many clients join and leave without
sending anything (their joins and leaves reach every member too). The
server runs with its default limits (1 MiB of pending output per client)
unless told otherwise.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pytest_chatlab import ChatServer, server_binary
from support.amplification import WHO_LINES, attack


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--attackers", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--server", type=Path, default=None)
    parser.add_argument("--max-outbound-bytes", type=int, default=None)
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    binary = args.server or server_binary()
    for label, who_lines in (("attack", WHO_LINES), ("control", 0)):
        growths = []
        for run in range(args.runs):
            with ChatServer(binary, max_outbound_bytes=args.max_outbound_bytes) as server:
                outcome = attack(
                    (server.host, server.port),
                    server.pid,
                    members=args.members,
                    attackers=args.attackers,
                    who_lines=who_lines,
                )
            growths.append(outcome.hwm_growth_kib)
            print(
                f"{label} run {run + 1}: VmHWM {outcome.hwm_before_kib} -> "
                f"{outcome.hwm_after_kib} KiB (+{outcome.hwm_growth_kib / 1024:.1f} MiB)"
                f"{describe_ends(outcome.attacker_streams, outcome.attacker_resets)}"
            )
        print(
            f"{label}: {args.members} members, {args.attackers} clients: median VmHWM "
            f"growth {statistics.median(growths) / 1024:.1f} MiB"
        )


def describe_ends(streams: list[bytes], resets: int) -> str:
    if not streams:
        return ""
    ends = [
        "slow_consumer"
        if b'"slow_consumer"' in stream[-200:]
        else "frame boundary"
        if stream.endswith(b"\n")
        else "MID-FRAME"
        for stream in streams
    ]
    counts = ", ".join(f"{ends.count(end)} {end}" for end in sorted(set(ends)))
    return f"; attacker streams end: {counts}; {resets} reset"


if __name__ == "__main__":
    main()
