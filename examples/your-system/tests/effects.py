"""The engine's effects as the wire shows them: what a test compares."""

import json
from typing import Any

import kvstore


def frames(effects: list[kvstore.Outgoing]) -> list[tuple[int, dict[str, Any]]]:
    """Each effect as (session, the JSON object of its encoded line)."""
    return [(each.session, json.loads(kvstore.encode(each.reply))) for each in effects]


def engine_with(engine: kvstore.Engine, *sessions: int) -> kvstore.Engine:
    """``engine`` with ``sessions`` open."""
    for session in sessions:
        assert engine.open(session) == []
    return engine


def line(**fields: Any) -> str:
    """One request line of ``fields``."""
    return json.dumps(fields)
