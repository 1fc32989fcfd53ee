"""The names the tests try, in one place: the bound room and the wire see the same.

docs/protocol.md "Names": 1 to 32 characters from A-Z a-z 0-9 _ - . (so any
other character, a space or 33 characters is bad_name); ``server`` and every
``guest-<digits>`` are reserved, ignoring case (name_taken). The unit tests
rename through ``Room``, the integration tests through ``chatlab-server``;
one list for both, so the two levels cannot drift apart.
"""

from __future__ import annotations

#: Names the room accepts for a member alone in it.
VALID_NAMES = [
    "a",
    "x" * 32,
    "Alice_Bob-1.2",
    "Zed_9.x-y",
    "...",
    "-",
    "_",
    "0",
    "guest",
    "guest-",
    "guest-x",
    "guest_7",
    "guests-1",
    "guests-7",
    "guest-1a",
    "server1",
    "servers",
    "ser.ver",
]

#: Chat texts whose /name the room refuses with bad_name, by what is wrong.
BAD_NAME_COMMANDS = {
    "nothing after /name": "/name",
    "a single space": "/name ",
    "only spaces": "/name    ",
    "trailing space": "/name bob ",
    "inner space": "/name bob smith",
    "33 characters": "/name " + "x" * 33,
    "exclamation": "/name bob!",
    "at sign": "/name @bob",
    "slash": "/name a/b",
    "tab": "/name bo\tb",
    "non-ascii letter": "/name bób",
    "o with stroke": "/name bøb",
    "cjk": "/name 日本",
    "emoji": "/name \U0001f600",
    "plus": "/name a+b",
    "nul": "/name a\x00b",
}

#: Names the room refuses with name_taken although no member holds them.
RESERVED_NAMES = [
    "server",
    "Server",
    "SERVER",
    "guest-7",
    "GUEST-7",
    "Guest-7",
    "guest-0",
    "guest-007",
    "guest-99999999999999999999",
]
