"""chatlab-scenario: run a multi-party scenario on real C++ devices and print its report.

With no arguments it starts the bundled ``chatlab-server`` on a port the
kernel picks, plays the article's scenario (alice, bob and carol connect,
name themselves, then alice says "hi everyone", bob "hey alice" and alice
"ping"), prints the report and stops the server.

Exit status: 0 when the scenario ran, 1 when it could not (no server, a
refused connection, a wait that timed out, a server that crashed), 2 on bad
arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from .orchestrator import Harness, Step
from .report import Report
from .server import ChatServer, ServerCrashedError

__all__ = ["ARTICLE_SCRIPT", "generated_script", "main"]

#: The scenario of the article's report.
ARTICLE_SCRIPT: list[Step] = [
    ("alice", "/name alice"),
    ("bob", "/name bob"),
    ("carol", "/name carol"),
    ("alice", "hi everyone"),
    ("bob", "hey alice"),
    ("alice", "ping"),
]

#: Every participant receives a roster per connect and per rename, each
#: listing everyone, and the report keeps every frame: time and memory grow
#: with the square of the count (100 takes seconds; 500, minutes and GBs).
MAX_PARTICIPANTS = 100

_ADDRESS = re.compile(r"(?:\[(?P<v6>[^\]]+)\]|(?P<host>[^\s:\[\]]+)):(?P<port>\d{1,5})")


def generated_script(count: int) -> list[Step]:
    """``count`` participants p1..pN: each names itself, then each says one line."""
    names = [f"p{index}" for index in range(1, count + 1)]
    return [(name, f"/name {name}") for name in names] + [
        (name, f"hello from {name}") for name in names
    ]


def _address(text: str) -> tuple[str, int]:
    found = _ADDRESS.fullmatch(text)
    port = int(found["port"]) if found else 0
    if found is None or not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT (or [V6]:PORT), got {text!r}")
    return (found["v6"] or found["host"], port)


def _participants(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        count = 0
    if not 1 <= count <= MAX_PARTICIPANTS:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {MAX_PARTICIPANTS}")
    return count


def _timeout(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < 3600:
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, got {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    """The command line of ``chatlab-scenario``."""
    result = argparse.ArgumentParser(
        prog="chatlab-scenario",
        description="Connect real C++ chat clients to a chatlab-server, play a scenario, "
        "and print who sent and received what.",
    )
    target = result.add_mutually_exclusive_group()
    target.add_argument(
        "--connect",
        metavar="HOST:PORT",
        type=_address,
        help="use a running server instead of starting one; HOST is an IP address or "
        "localhost (the counts then include other members' traffic)",
    )
    target.add_argument(
        "--server",
        metavar="PATH",
        type=Path,
        help="the chatlab-server binary to start (default: $CHATLAB_SERVER, else the bundled one)",
    )
    result.add_argument(
        "--participants",
        metavar="N",
        type=_participants,
        help=f"instead of the article's scenario: p1..pN name themselves and each say "
        f"one line (1 <= N <= {MAX_PARTICIPANTS})",
    )
    result.add_argument("--json", action="store_true", help="print the report as JSON")
    result.add_argument(
        "--html",
        metavar="FILE",
        type=Path,
        help="also write the conversation as a sequence diagram (one HTML file) to FILE",
    )
    result.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=_timeout,
        default=10.0,
        help="deadline of each connect and each wait (default: %(default)s)",
    )
    return result


def play(address: tuple[str, int], script: Sequence[Step], timeout: float) -> Report:
    """Runs ``script`` on the server at ``address``; the devices are disconnected after."""
    with Harness(address, timeout=timeout) as harness:
        # Only the report is printed, so a step-ordered timeline is not worth
        # one round trip per step and participant.
        return harness.run(script, settle_each_step=False)


def _run(args: argparse.Namespace) -> Report:
    script = ARTICLE_SCRIPT if args.participants is None else generated_script(args.participants)
    if args.connect is not None:
        return play(args.connect, script, args.timeout)
    # The default --max-clients (1,024) is above MAX_PARTICIPANTS.
    with ChatServer(args.server) as server:
        report = play(server.address, script, args.timeout)
        server.stop()
        server.check()
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """The console script: 0 when the scenario ran, 1 when it failed, 2 on bad arguments."""
    args = parser().parse_args(argv)  # exits 2 with a usage line on bad arguments
    try:
        report = _run(args)
    # OSError covers refused connects and TimeoutError; RuntimeError covers
    # ServerStartError; ValueError, a host that is not an IP address.
    except (OSError, RuntimeError, ValueError, ServerCrashedError) as error:
        print(f"chatlab-scenario: error: {error}", file=sys.stderr)
        return 1
    if args.html is not None:
        try:
            args.html.write_text(report.to_html(), encoding="utf-8")
        except OSError as error:
            print(f"chatlab-scenario: error: cannot write {args.html}: {error}", file=sys.stderr)
            return 1
    text = (
        json.dumps(report.to_dict(), indent=2, ensure_ascii=False) if args.json else report.render()
    )
    try:
        print(text, flush=True)
    except BrokenPipeError:  # `chatlab-scenario | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
    return 0


if __name__ == "__main__":
    sys.exit(main())
