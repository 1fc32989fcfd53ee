"""The sequence diagram's cost: build time and file size, small and large.

Run from the project root with pytest-chatlab installed:

    python tests/bench/bench_diagram.py [--rounds 5]

- article: the article's scenario played on the real server by the harness
  (3 participants), then ``Report.to_html()``;
- large: a timeline written out for 50 participants, each saying 40 lines
  (2,000 chat lines, each delivered to the 49 others: 100,000 frames),
  then ``Report.to_html()``.

Each figure is the median of ``--rounds`` builds; the size is the HTML's
in bytes.
"""

from __future__ import annotations

import argparse
import statistics
import time

from pytest_chatlab import ChatServer, Harness, Message, Report
from pytest_chatlab.cli import ARTICLE_SCRIPT
from pytest_chatlab.report import Entry


def large_timeline(participants: int = 50, lines_each: int = 40) -> tuple[list[Entry], list[str]]:
    names = [f"p{n}" for n in range(1, participants + 1)]
    entries, clock = [], 0.0
    for index, name in enumerate(names):
        clock += 1e-4
        welcome = Message(type="notice", sender="server", text=f"welcome, guest-{index + 1}")
        entries.append(Entry(clock, name, "recv", welcome))
    for round_number in range(lines_each):
        for name in names:
            clock += 1e-4
            text = f"line {round_number} from {name}"
            entries.append(Entry(clock, name, "sent", Message(type="chat", text=text)))
            for other in names:
                if other != name:
                    clock += 1e-6
                    copy = Message(type="chat", sender=f"guest-{names.index(name) + 1}", text=text)
                    entries.append(Entry(clock, other, "recv", copy))
    return entries, names


def timed(build: object, rounds: int) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(rounds):
        started = time.perf_counter()
        size = len(build().encode())  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with ChatServer() as server, Harness(server) as harness:
        article = harness.run(ARTICLE_SCRIPT)
    seconds, size = timed(article.to_html, args.rounds)
    print(f"article: {seconds * 1e3:.1f} ms, {size / 1024:.1f} KiB")
    entries, names = large_timeline()
    started = time.perf_counter()
    large = Report.from_timeline(entries, participants=names)
    report_seconds = time.perf_counter() - started
    seconds, size = timed(large.to_html, args.rounds)
    print(
        f"large ({len(names)} participants, {len(entries)} frames): report "
        f"{report_seconds:.2f} s, diagram {seconds:.2f} s, {size / 2**20:.1f} MiB"
    )


if __name__ == "__main__":
    main()
