"""Hypothesis strategies for any newline-framed protocol: streams cut anywhere, hostile lines.

Nothing here knows the chat. ``split_stream`` cuts a byte stream where a
reader is most likely to get it wrong (beside a newline, inside a UTF-8
character) and anywhere else; ``hostile_lines`` draws the lines a server
must survive and refuse. Needs hypothesis, the extra ``strategies``:
``pip install "pytest-chatlab[strategies]"``.

    from hypothesis import given
    from pytest_chatlab import strategies

    @given(strategies.split_stream([b'{"op":"get"}\\n', b"PING\\r\\n"]))
    def test_any_cut(split):
        client.send_split(*split)            # or feed split.chunks to a reader
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import NamedTuple

try:
    from hypothesis import strategies as st
except ImportError as error:  # pragma: no cover - what a user without the extra sees
    raise ImportError(
        "pytest_chatlab.strategies needs hypothesis: "
        'pip install "pytest-chatlab[strategies]" (or hypothesis itself)'
    ) from error

__all__ = ["Split", "hostile_lines", "split_stream"]


class Split(NamedTuple):
    """A stream and where to cut it: ``client.send_split(*split)`` sends it so."""

    data: bytes
    #: offsets inside the data, sorted, unique: what ``send_split(at=)`` takes
    at: tuple[int, ...]

    @property
    def chunks(self) -> list[bytes]:
        """The pieces, none empty, in order: what a reader is fed."""
        edges = [0, *self.at, len(self.data)]
        return [self.data[start:end] for start, end in itertools.pairwise(edges) if end > start]


def split_stream(
    frames: Sequence[bytes] | st.SearchStrategy[Sequence[bytes]], *, max_cuts: int = 8
) -> st.SearchStrategy[Split]:
    """The stream ``b"".join(frames)`` with up to ``max_cuts`` cuts: ``Split(data, at)``.

    ``frames`` (usually lines with their newlines) may be a strategy of them.
    Cuts fall anywhere inside the data, and more often where readers break:
    on either side of a ``\\n``, between a ``\\r`` and its ``\\n``, inside a
    multi-byte UTF-8 character.
    """
    pieces = frames if isinstance(frames, st.SearchStrategy) else st.just(frames)
    return pieces.flatmap(lambda drawn: _cut(b"".join(drawn), max_cuts))


def _cut(data: bytes, max_cuts: int) -> st.SearchStrategy[Split]:
    if len(data) < 2:
        return st.just(Split(data, ()))
    inside = st.integers(1, len(data) - 1)
    weak = [i for i in range(1, len(data)) if _is_weak_point(data, i)]
    offset = st.one_of(st.sampled_from(weak), inside) if weak else inside
    cuts = st.lists(offset, unique=True, max_size=max_cuts)
    return cuts.map(lambda at: Split(data, tuple(sorted(at))))


def _is_weak_point(data: bytes, offset: int) -> bool:
    """A cut just before or after a newline, or before a UTF-8 continuation byte."""
    return b"\n" in data[offset - 1 : offset + 1] or 0x80 <= data[offset] < 0xC0


# -- hostile lines ------------------------------------------------------------

_ENDINGS = st.sampled_from([b"\n", b"\r\n"])

#: Byte sequences that are not UTF-8: stray, truncated, overlong, past U+10FFFF.
_NOT_UTF8 = [
    b"\xff",
    b"\xfe",
    b"\x80",  # a continuation byte with no lead
    b"\xc3",  # a lead byte cut short
    b"\xe2\x82",
    b"\xf0\x9f\x98",
    b"\xc0\xaf",  # "/" in two bytes: overlong
    b"\xc1\xbf",
    b"\xe0\x80\xaf",
    b"\xf0\x80\x80\xaf",
    b"\xf4\x90\x80\x80",  # U+110000
    b"\xf8\x88\x80\x80\x80",  # a five-byte form
]

#: Surrogates: as bytes (CESU-8, WTF-8), which UTF-8 forbids, and as JSON escapes
#: that leave one alone, which RFC 8259 leaves to the parser.
_SURROGATES = [
    b'"\xed\xa0\x80"',  # U+D800 as three bytes
    b'"\xed\xbf\xbf"',  # U+DFFF
    b'"\xed\xa0\xbd\xed\xb8\x80"',  # a pair as CESU-8, not one four-byte character
    b'"\\ud800"',
    b'"\\udfff"',
    b'"\\udc00\\ud800"',  # a pair in the wrong order
    b'"\\ud800x"',
    b'"\\ud800\\u0041"',
    b'"\\ud83d"',  # the first half of an emoji
]

#: Numbers no IEEE-754 double holds, and what is not a JSON number at all.
_NUMBERS = [
    b"1e999",
    b"-1e999",
    b"1e-999",  # rounds to 0: a number, though an odd one
    b"1" + b"0" * 400,
    b"-" + b"9" * 400,
    b"NaN",
    b"-NaN",
    b"Infinity",
    b"-Infinity",
    b"0x10",
    b"01",
    b"1.",
    b".5",
    b"+1",
    b"1e",
    b"-",
]

#: Lines that are JSON's edge, or just past it.
_ODD_JSON = [
    b"{}",
    b"[]",
    b"null",
    b"true",
    b"0",
    b'"a string"',
    b'{"k":1,"k":2}',
    b'{"k":1,}',
    b'{"k":1}{"k":2}',
    b'{"k":1} trailing',
    b'{"k":',
    b"{'k':1}",
    b"{k:1}",
    b'{"k":1/*comment*/}',
    b'{"k":"\\u0000"}',  # an escaped NUL: legal JSON
    b'{"k":"\\x41"}',  # not a JSON escape
    b'{"k":"tab\there"}',  # a raw control character inside a string
    b" ",
    b"\t",
    b"\x0b",
]

#: What is wrong around the newline: stray carriage returns, empty lines.
_LINE_ENDS = [
    b"\n",  # an empty line
    b"\r\n",  # empty once its \r is dropped
    b"\r\r\n",  # not empty: one \r is dropped, not two
    b'{"k":1}\r\r\n',
    b'{"k":1}\r{"k":2}\n',  # a lone \r is no line end
]


def _line(body: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    return st.tuples(body, _ENDINGS).map(b"".join)


def _in_object(value: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    """The value alone, or as a field of an object."""
    return value | value.map(lambda v: b'{"k":' + v + b"}")


def _not_utf8() -> st.SearchStrategy[bytes]:
    bad = st.sampled_from(_NOT_UTF8)
    text = st.text(st.characters(codec="ascii", exclude_characters='"\\\n\r'), max_size=8)
    string = st.tuples(text, bad, text).map(
        lambda parts: b'"' + parts[0].encode() + parts[1] + parts[2].encode() + b'"'
    )
    return _line(bad | _in_object(string))


def _nul() -> st.SearchStrategy[bytes]:
    return _line(st.sampled_from([b"\x00", b'{"k":"a\x00b"}', b'{"k":1}\x00', b"\x00{}"]))


def _nested(max_bytes: int) -> st.SearchStrategy[bytes]:
    # Around the usual limits (32 levels here, 512 or 1000 elsewhere), and far past them.
    biggest = max(1, (max_bytes - 8) // 6)
    usual = [d for d in (31, 32, 33, 64, 512, 1000) if d <= biggest]
    depth = st.integers(1, biggest)
    if usual:
        depth = st.sampled_from(usual) | depth
    shapes = st.sampled_from(
        [
            lambda n: b"[" * n + b"]" * n,
            lambda n: b'{"k":' * n + b"1" + b"}" * n,
            lambda n: b"[" * n,  # never closed
        ]
    )
    return _line(st.builds(lambda shape, n: shape(n), shapes, depth))


def _oversize(max_bytes: int) -> st.SearchStrategy[bytes]:
    # Every byte before the \n counts, a \r included.
    sizes = st.sampled_from([max_bytes, max_bytes + 1, 2 * max_bytes]) | st.integers(
        max_bytes - 1, 2 * max_bytes
    )
    fills = st.sampled_from([b"x", b"[", "é".encode()])
    body = st.builds(lambda fill, size: (fill * size)[:size], fills, sizes)
    return _line(body)


def _random_bytes() -> st.SearchStrategy[bytes]:
    return _line(st.binary(max_size=64).map(lambda data: data.replace(b"\n", b"")))


def hostile_lines(max_bytes: int = 65536) -> st.SearchStrategy[bytes]:
    """Lines a line-protocol server must survive, each ``bytes`` ending in one
    ``\\n`` (or ``\\r\\n``) and holding no other ``\\n``.

    ``max_bytes`` is the server's line limit: the oversize lines are drawn
    around it and the nesting within it; every other line is under 500 bytes.
    What comes, often as the value of a field ``"k"`` of an object:

    - bytes that are not UTF-8: stray continuation bytes, truncated and
      overlong sequences, code points past U+10FFFF, five-byte forms;
    - surrogates: as CESU-8/WTF-8 bytes, and as ``\\ud800`` JSON escapes left
      alone or in the wrong order;
    - NUL bytes, raw, and an escaped ``\\u0000`` (which is legal JSON);
    - nesting around 32, 64, 512 and 1,000 levels and up to what fits the
      limit, closed or not;
    - numbers no double holds (``1e999``, 400 digits), ``NaN``,
      ``-Infinity``, and what is no JSON number (``0x10``, ``01``, ``.5``);
    - a byte order mark (UTF-8's, and UTF-16's) before a valid object;
    - JSON's edges: non-objects, duplicate keys, trailing commas or text,
      two objects on a line, single quotes, comments, raw control characters;
    - lines of ``max_bytes - 1`` to ``2 * max_bytes`` bytes, at the limit
      and one past it, of ASCII, brackets or two-byte characters;
    - empty lines, ``\\r\\r\\n``, a lone ``\\r`` inside a line, blank lines of
      spaces or tabs;
    - random bytes.
    """
    if max_bytes < 1:
        raise ValueError(f"max_bytes is a line limit of at least 1 byte, not {max_bytes}")
    bom = _line(st.sampled_from([b"\xef\xbb\xbf{}", b'\xef\xbb\xbf{"k":1}', b"\xff\xfe{}"]))
    return st.one_of(
        _not_utf8(),
        _line(_in_object(st.sampled_from(_SURROGATES))),
        _nul(),
        _nested(max_bytes),
        _line(_in_object(st.sampled_from(_NUMBERS))),
        bom,
        _line(st.sampled_from(_ODD_JSON)),
        _oversize(max_bytes),
        st.sampled_from(_LINE_ENDS),
        _random_bytes(),
    )
