"""The benchmark scripts' way to ``support.native_build``, which tests use too.

The scripts run as ``python tests/bench/<script>.py``, so ``tests/`` (where
``support`` lives; pytest's ``pythonpath``) is put on ``sys.path`` here.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support.native_build import BUILD, ROOT, build

__all__ = ["BUILD", "ROOT", "build"]
