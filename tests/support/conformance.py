"""Where the JSONTestSuite files are, for the unit and the wire conformance tests.

The shared/ folder sits beside the project root (or wherever $CHATLAB_SHARED
says); an installed copy of the plugin has none, so the tests skip.
"""

from __future__ import annotations

import os
from pathlib import Path


def suite_dir() -> Path | None:
    """test_parsing/ from $CHATLAB_SHARED, else ../shared beside the project root."""
    shared = os.environ.get("CHATLAB_SHARED")
    base = Path(shared) if shared else Path(__file__).resolve().parents[2].parent / "shared"
    folder = base / "conformance" / "JSONTestSuite" / "test_parsing"
    return folder if folder.is_dir() else None


SUITE = suite_dir()
ABSENT = (
    "JSONTestSuite not found: set CHATLAB_SHARED to the shared/ folder, or keep "
    "shared/conformance/JSONTestSuite/test_parsing beside the project root"
)
