"""A failing test's conversations, drawn: the diagrams its report points at.

For a failing test the plugin writes, next to the whole logs in the test's
``tmp_path``, one sequence diagram per harness it used and one of the mock
clients and devices it made, marking at the end of a lane what a failed
wait waited for. The report section names the files; with pytest-html the
diagrams are embedded in the test's row. Built only for failures: a
passing test pays nothing.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .diagram import Diagram
    from .tracking import Tracked

__all__ = ["draw_failure", "html_extras"]


def draw_failure(record: Tracked, directory: Path, test_name: str) -> list[Path]:
    """Writes the diagrams of ``record`` into ``directory``; their paths."""
    from .diagram import Diagram, Missing

    diagrams: list[tuple[str, Diagram]] = []
    for index, harness in enumerate(record.harnesses, 1):
        missing = [
            Missing(name, what)
            for name in harness.participants
            for what in harness.device(name).missed
        ]
        title = f"{test_name}: harness {index}"
        diagrams.append(
            (
                f"harness-{index}",
                Diagram.from_report(harness.report(), missing=missing, title=title),
            )
        )
    clients: list[Any] = [*record.clients, *record.line_clients]
    peers = [(client.label, client) for client in clients] + _drawable(record)
    if peers:
        labels = _unique([label for label, _ in peers])
        logs = [(label, peer.log) for label, (_, peer) in zip(labels, peers, strict=True)]
        missing = [
            Missing(label, what)
            for label, (_, peer) in zip(labels, peers, strict=True)
            for what in getattr(peer, "missed", [])
        ]
        diagrams.append(("conversation", Diagram.from_logs(logs, missing=missing, title=test_name)))
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, diagram in diagrams:
        path = directory / f"{name}.html"
        path.write_text(diagram.to_html(), encoding="utf-8")
        paths.append(path)
    return paths


def html_extras(html_plugin: Any, paths: Sequence[Path]) -> list[Any]:
    """pytest-html's extras for the diagrams: each page in a frame in the test's row."""
    return [html_plugin.extras.html(_framed(path)) for path in paths]


def _framed(path: Path) -> str:
    page = html.escape(path.read_text(encoding="utf-8"), quote=True)
    return (
        f"<iframe title='{html.escape(path.name)}' srcdoc=\"{page}\" "
        "style='width:100%;height:480px;border:1px solid #ccc'></iframe>"
    )


def _drawable(record: Tracked) -> list[tuple[str, Any]]:
    """The devices, and any tracked object that logs ``Event``s as they do."""
    return [
        (c.label, c.obj) for c in record.checked if isinstance(getattr(c.obj, "log", None), list)
    ]


def _unique(labels: Sequence[str]) -> list[str]:
    """The labels, the second and later of a repeated one numbered: each names one lane."""
    seen: Counter[str] = Counter()
    result = []
    for label in labels:
        seen[label] += 1
        result.append(label if seen[label] == 1 else f"{label} #{seen[label]}")
    return result
