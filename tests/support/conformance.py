"""Where the JSONTestSuite files are, for the unit and the wire conformance tests.

They are vendored in ``tests/data/JSONTestSuite`` (its README says where
they come from and what each prefix means for the protocol), so every copy
of the tests, a clone's or the one a wheel build runs, has them.
"""

from __future__ import annotations

from pathlib import Path

SUITE = Path(__file__).resolve().parents[1] / "data" / "JSONTestSuite" / "test_parsing"
