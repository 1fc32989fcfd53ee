"""Soak: many clients chat against a Release chatlab-server; every delivery is checked.

Run from the project root with pytest-chatlab installed, and cmake, ninja, a
C++ compiler and the nlohmann-json headers at hand (to build the generator):

    python tests/bench/soak.py                          # 500 clients, 60 s, a slow reader
    python tests/bench/soak.py --quick                  # 100 clients, 5 s, a 64 KiB cap
    python tests/bench/soak.py --runs 3                 # medians of three full runs

It builds native/bench/soak_*.cpp (chatlab-soak) into build/bench, starts the
server with ``ChatServer`` (the bundled binary unless ``--server`` names
another) and runs the generator against it: every client sends one chat
every 1/rate s for the duration, and one more member stops reading at
``--slow-at`` s. Meanwhile it samples the server's VmRSS every 100 ms. It
prints what the generator measured and the verdict on four limits:

- no chat lost, duplicated, reordered or misattributed, at any receiver;
- server RSS: the largest sample after the warm-up at most 10 MiB above the
  sample at the end of the warm-up;
- the healthy clients' p99 delivery latency for chats sent while the slow
  reader lags at most 50 ms above the p99 for those sent before it stopped;
- the slow reader dropped at most 2 s after its pending output passed the
  cap (the generator's estimate, which starts the clock early: see soak_slow.cpp).

Exit status 0 when every run passes every limit.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import selectors
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from native_build import build

from pytest_chatlab import ChatServer, MockClient, server_binary

RSS_GROWTH_LIMIT_KIB = 10 * 1024
LAG_P99_LIMIT_MS = 50.0
DROP_LIMIT_S = 2.0
SAMPLE_EVERY_S = 0.1
DEFAULT_CAP = 1048576  # chatlab-server's default --max-outbound-bytes
# 5 s in all; 4 chats/s of up to 2,000 bytes fill a 64 KiB cap in well under a second.
QUICK = ["--clients", "100", "--duration", "5", "--warmup", "1", "--slow-at", "2", "--rate", "4"]
QUICK += ["--text-bytes", "2000", "--max-outbound-bytes", "65536"]


@dataclass
class Run:
    """One soak run: the generator's RESULT, its events and the RSS samples."""

    result: dict = field(default_factory=dict)
    events: dict[str, float] = field(default_factory=dict)
    rss: list[tuple[float, int]] = field(default_factory=list)  # (s since start, KiB)
    rss_start: int = 0
    cpu_s: float = 0.0  # the server's CPU time from the first chat to the RESULT
    wall_s: float = 0.0
    rss_warm: int = 0
    rss_final: int = 0
    rss_idle: int = 0

    @property
    def rss_max(self) -> int:
        warm = self.events.get("warm", 0.0)
        return max((kib for t, kib in self.rss if t >= warm), default=self.rss_warm)

    def failures(self) -> list[str]:
        r = self.result
        found = [
            f"{name} {r[name]}"
            for name in ("lost", "extra", "out_of_order", "misattributed", "unexpected", "closed")
            if r[name]
        ]
        if not r["drained"] or not r["synced"]:
            found.append("the chats did not all arrive, or a sync went unanswered")
        if self.rss_max - self.rss_warm > RSS_GROWTH_LIMIT_KIB:
            found.append(f"RSS grew {self.rss_max - self.rss_warm} KiB after the warm-up")
        slow = r["slow"]
        if slow is not None:
            rise = lag_rise_ms(r)
            if rise is not None and rise > LAG_P99_LIMIT_MS:
                found.append(f"p99 rose {rise:.1f} ms while the slow reader lagged")
            if slow["drop_s"] is None or slow["stop_s"] is None:
                found.append(
                    "the slow reader was not dropped: its cap takes about cap / (clients x rate x"
                    " frame bytes) s to fill; raise --rate or --text-bytes, or lower"
                    " --max-outbound-bytes"
                )
            elif slow["drop_after_cap_s"] is None or slow["drop_after_cap_s"] > DROP_LIMIT_S:
                found.append(
                    f"the slow reader was dropped {slow['drop_after_cap_s']} s after the cap"
                )
        return found


def lag_rise_ms(result: dict) -> float | None:
    latency = result["latency_ms"]
    if latency["baseline"]["count"] == 0 or latency["lag"]["count"] == 0:
        return None
    return float(latency["lag"]["p99"] - latency["baseline"]["p99"])


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    assert match is not None
    return int(match[1])


def soak_once(soak: Path, server_path: Path, args: argparse.Namespace) -> Run:
    run = Run()
    cap = args.max_outbound_bytes
    with ChatServer(server_path, max_outbound_bytes=cap) as server:
        run.rss_start = rss_kib(server.pid)
        command = [str(soak), "--connect", f"{server.host}:{server.port}", "--hold", "1"]
        command += ["--clients", str(args.clients), "--duration", str(args.duration)]
        command += ["--rate", str(args.rate), "--text-bytes", str(args.text_bytes)]
        command += ["--warmup", str(args.warmup), "--slow-at", str(args.slow_at)]
        command += ["--max-outbound-bytes", str(cap or DEFAULT_CAP), "--seed", str(args.seed)]
        limit = time.monotonic() + args.duration + 180  # connect, drain and sync are bounded too
        with (
            subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
            ) as proc,
            selectors.DefaultSelector() as selector,
        ):
            assert proc.stdout is not None
            assert proc.stdin is not None
            selector.register(proc.stdout, selectors.EVENT_READ)
            started: float | None = None
            next_sample = time.monotonic()
            while not run.result:
                now = time.monotonic()
                if now > limit:
                    proc.kill()
                    raise TimeoutError(f"chatlab-soak still running after {args.duration + 180} s")
                if now >= next_sample:
                    since = now - started if started is not None else -1.0
                    run.rss.append((since, rss_kib(server.pid)))
                    next_sample = now + SAMPLE_EVERY_S
                if not selector.select(max(next_sample - time.monotonic(), 0)):
                    continue
                line = proc.stdout.readline()
                if not line:
                    raise RuntimeError(f"chatlab-soak exited ({proc.wait()}) before its RESULT")
                kind, _, rest = line.strip().partition(" ")
                if kind == "EVENT":
                    name, at = rest.split()
                    run.events[name] = float(at)
                    if name == "start":
                        started = time.monotonic()
                        run.cpu_s = -cpu_seconds(server.pid)
                    if name == "warm":
                        run.rss_warm = rss_kib(server.pid)
                elif kind == "RESULT":
                    run.result = json.loads(rest)
                    run.cpu_s += cpu_seconds(server.pid)
                    assert started is not None, "a RESULT before the start"
                    run.wall_s = time.monotonic() - started
            # Every client is still connected (--hold): the RSS under load, at rest.
            run.rss_final = rss_kib(server.pid)
            proc.stdin.close()
            proc.wait()
        # Two sync round trips: the server has been idle in between, which is
        # when it returns burst memory to the kernel.
        with MockClient(server.address) as probe:
            probe.sync()
            probe.sync()
        run.rss_idle = rss_kib(server.pid)
        server.stop()
        server.check()
    return run


def show(run: Run, args: argparse.Namespace) -> None:
    r, slow = run.result, run.result["slow"]
    lat = r["latency_ms"]
    print(
        f"  deliveries: {r['expected']:,} expected, {r['delivered']:,} delivered "
        f"({r['delivered'] / args.duration:,.0f}/s); lost {r['lost']}, extra {r['extra']}, "
        f"out of order {r['out_of_order']}, misattributed {r['misattributed']}, "
        f"unexpected frames {r['unexpected']}, closed {r['closed']}; "
        f"connect {r['connect_s']:.2f} s, drain {r['drain_s'] * 1e3:.1f} ms"
    )
    steady = lat["steady"]
    print(
        f"  latency (ms) after the warm-up: p50 {steady['p50']:.2f}, p99 {steady['p99']:.2f}, "
        f"p99.9 {steady['p999']:.2f}, max {steady['max']:.2f}"
    )
    if slow is not None:
        rise = lag_rise_ms(r)
        shown = "n/a" if rise is None else f"{rise:+.2f}"
        print(
            f"  p99 (ms): before the slow reader stopped {lat['baseline']['p99']:.2f}, while it "
            f"lagged {lat['lag']['p99']:.2f} ({shown}; limit +{LAG_P99_LIMIT_MS:.0f}), after "
            f"it was dropped {lat['after']['p99']:.2f}"
        )
        print(
            f"  slow reader: stopped at {slow['stop_s']} s; cap {slow['cap_bytes']:,} B passed "
            f"(estimate) {slow['fill_s']} s later; dropped {slow['drop_after_stop_s']} s after it "
            f"stopped, {slow['drop_after_cap_s']} s after the cap (limit {DROP_LIMIT_S:.0f} s); "
            f"{slow['relayed_bytes']:,} B relayed to it, {slow['reader_queue_bytes']:,} B in its "
            f"receive queue; it read {slow['chats']:,} chats in order, then "
            f"{slow['error'] or 'no error frame'} and {'EOF' if slow['eof_s'] else 'no EOF'}"
        )
    print(
        f"  server RSS (KiB): start {run.rss_start:,}, end of warm-up {run.rss_warm:,}, "
        f"max after it {run.rss_max:,} ({run.rss_max - run.rss_warm:+,}; limit "
        f"+{RSS_GROWTH_LIMIT_KIB:,}), final {run.rss_final:,}, idle after all left "
        f"{run.rss_idle:,} ({len(run.rss)} samples)"
    )
    print(
        f"  server CPU from the first chat to the result: {run.cpu_s:.1f} s in {run.wall_s:.1f} s "
        f"({run.cpu_s / run.wall_s:.0%} of one core)"
    )
    print(f"  p99 by second (ms): {' '.join(f'{v:.1f}' for v in r['p99_ms_by_second'])}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--rate", type=float, default=1.0, help="chats per second per client")
    parser.add_argument("--text-bytes", type=int, default=120, help="longest chat text")
    parser.add_argument("--warmup", type=float, help="default: a sixth of the duration")
    parser.add_argument(
        "--slow-at", type=float, help="default: a third of the duration; negative: no slow reader"
    )
    parser.add_argument("--max-outbound-bytes", type=int, default=None, help="server's cap")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--server", type=Path, default=None, help="default: the bundled one")
    parser.add_argument("--quick", action="store_true", help=f"the quick check: {' '.join(QUICK)}")
    args = parser.parse_args()
    if args.quick:
        args = parser.parse_args([*QUICK, *sys.argv[1:]])
    if args.warmup is None:
        args.warmup = args.duration / 6
    if args.slow_at is None:
        args.slow_at = args.duration / 3
    if args.slow_at >= args.duration:
        parser.error("--slow-at must fall inside --duration (or be negative: no slow reader)")

    soak = build("chatlab-soak")
    server_path = args.server or server_binary()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    slow = f", a slow reader from {args.slow_at:g} s" if args.slow_at >= 0 else ""
    print(
        f"soak: {args.clients} clients x {args.rate:g} chat/s for {args.duration:g} s "
        f"(texts up to {args.text_bytes} B, warm-up {args.warmup:g} s{slow}), server "
        f"{server_path}, --max-outbound-bytes {args.max_outbound_bytes or 'default'}"
    )
    runs = []
    for number in range(1, args.runs + 1):
        run = soak_once(soak, server_path, args)
        runs.append(run)
        failures = run.failures()
        print(f"run {number}: {'PASS' if not failures else 'FAIL: ' + '; '.join(failures)}")
        show(run, args)
    if len(runs) > 1:
        summarize(runs)
    return 0 if all(not run.failures() for run in runs) else 1


def summarize(runs: list[Run]) -> None:
    def median(pick: Callable[[dict], float | None]) -> str:
        known = [v for v in (pick(run.result) for run in runs) if v is not None]
        return f"{statistics.median(known):.3f}" if known else "n/a"

    print(f"medians of {len(runs)} runs:")
    print(f"  steady p99 {median(lambda r: r['latency_ms']['steady']['p99'])} ms")
    if runs[0].result["slow"] is not None:
        before = median(lambda r: r["latency_ms"]["baseline"]["p99"])
        print(f"  p99 before the slow reader stopped {before} ms")
        print(f"  p99 while it lagged {median(lambda r: r['latency_ms']['lag']['p99'])} ms")
        print(f"  p99 rise {median(lag_rise_ms)} ms")
        print(f"  drop after the cap {median(lambda r: r['slow']['drop_after_cap_s'])} s")
        print(f"  drop after the stop {median(lambda r: r['slow']['drop_after_stop_s'])} s")
    growth = statistics.median(run.rss_max - run.rss_warm for run in runs)
    print(f"  RSS growth after the warm-up {growth:,.0f} KiB")


if __name__ == "__main__":
    sys.exit(main())
