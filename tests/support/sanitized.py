"""Whether a server binary is built with a sanitizer, whose memory figures mean nothing.

ASan keeps freed memory in quarantine (256 MiB by default) and maps shadow
memory, so RSS bounds hold only for an uninstrumented build: the tests that
assert one check the binary first.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

#: Symbols every instrumented binary carries, whether linked statically or not.
_RUNTIME_SYMBOLS = (b"__asan_init", b"__tsan_init", b"__msan_init", b"__ubsan_handle_")


@cache
def sanitized(binary: Path) -> bool:
    data = binary.resolve().read_bytes()
    return any(symbol in data for symbol in _RUNTIME_SYMBOLS)
