"""docs/protocol.md "Transport and framing" over the real wire, against chatlab-server.

The server reassembles frames by ``\\n`` only, wherever the TCP reads cut
them (inside a 4-byte UTF-8 character included), several per read; drops
one trailing ``\\r``; ignores empty lines; and answers a half-closed client
everything before closing it, dropping an unterminated tail.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from pytest_chatlab.mock import MockClient

Connect = Callable[..., MockClient]

EMOJI = "😀"  # 4 bytes in UTF-8: cuts fall between every one of them


def frame(**fields: object) -> bytes:
    return json.dumps(fields, ensure_ascii=False).encode() + b"\n"


def joined(new_client: Connect, label: str) -> MockClient:
    """A member past its greeting."""
    client = new_client(label=label)
    client.sync()
    return client


def pair(new_client: Connect) -> tuple[MockClient, MockClient]:
    """(listener guest-1, talker guest-2), both past every greeting frame."""
    listener = joined(new_client, "listener")
    talker = joined(new_client, "talker")
    assert listener.sync() == [
        {"type": "join", "user": "guest-2"},
        {"type": "roster", "users": ["guest-1", "guest-2"]},
    ]
    return listener, talker


def chat_from(sender: str, text: str) -> dict[str, str]:
    return {"type": "chat", "from": sender, "text": text}


# -- reassembly --------------------------------------------------------------------


def test_a_chat_split_at_every_byte_offset_arrives_whole(new_client: Connect) -> None:
    listener, talker = pair(new_client)
    texts = []
    length = len(frame(type="chat", text=f"000 a{EMOJI}b"))
    emoji_at = frame(type="chat", text=f"000 a{EMOJI}b").index(EMOJI.encode())
    cuts = range(1, length)
    assert {emoji_at + 1, emoji_at + 2, emoji_at + 3} <= set(cuts)  # inside the character
    for cut in cuts:
        text = f"{cut:03d} a{EMOJI}b"
        data = frame(type="chat", text=text)
        assert len(data) == length
        talker.send_split(data, at=[cut], delay=0.001)  # two reads, cut at `cut`
        texts.append(text)
    assert talker.sync() == []  # no error, for any cut
    assert listener.sync() == [chat_from("guest-2", t) for t in texts]


def test_a_crlf_sync_split_at_every_byte_offset_is_answered(new_client: Connect) -> None:
    client = joined(new_client, "client")
    ids = []
    length = len(b'{"id":"000","type":"sync"}\r\n')
    for cut in range(1, length):  # the last cut falls between \r and \n
        ids.append(f"{cut:03d}")
        client.send_split(f'{{"id":"{ids[-1]}","type":"sync"}}\r\n'.encode(), at=[cut], delay=0.001)
    assert client.sync() == [{"type": "sync", "id": i} for i in ids]


def test_a_frame_sent_one_byte_per_write_with_4_byte_characters(new_client: Connect) -> None:
    listener, talker = pair(new_client)
    text = EMOJI * 3 + "𝄞x"
    data = frame(type="chat", text=text)
    talker.send_split(data, at=range(1, len(data)))
    assert talker.sync() == []
    assert listener.sync() == [chat_from("guest-2", text)]


def test_100_frames_in_one_send_are_all_handled_in_order(new_client: Connect) -> None:
    listener, talker = pair(new_client)
    burst = b"".join(
        frame(type="chat", text=f"n{i:03d}") if i % 2 == 0 else frame(type="sync", id=f"s{i:03d}")
        for i in range(100)
    )
    talker.send_raw(burst)
    assert talker.sync() == [{"type": "sync", "id": f"s{i:03d}"} for i in range(1, 100, 2)]
    assert listener.sync() == [chat_from("guest-2", f"n{i:03d}") for i in range(0, 100, 2)]


def test_frames_and_a_partial_one_in_a_send_then_the_rest(new_client: Connect) -> None:
    listener, talker = pair(new_client)
    second = frame(type="chat", text="second")
    talker.send_raw(frame(type="chat", text="first") + second[:9])
    assert listener.expect(type="chat") == chat_from("guest-2", "first")
    talker.send_raw(second[9:])
    assert talker.sync() == []
    assert listener.sync() == [chat_from("guest-2", "second")]


# -- CR LF and empty lines ---------------------------------------------------------


def test_crlf_is_accepted_and_the_cr_dropped(new_client: Connect) -> None:
    listener, talker = pair(new_client)
    talker.send_raw(b'{"type":"chat","text":"crlf"}\r\n')
    talker.send_raw(b'{"type":"chat",\r"text":"cr inside"}\n')  # a bare \r ends nothing
    assert talker.sync() == []
    assert listener.sync() == [chat_from("guest-2", "crlf"), chat_from("guest-2", "cr inside")]


def test_blank_lines_are_ignored(new_client: Connect) -> None:
    listener, talker = pair(new_client)
    talker.send_raw(b"\n\n\r\n" + frame(type="chat", text="between") + b"\n\r\n\n")
    assert talker.sync() == []  # no error for any empty line
    assert listener.sync() == [chat_from("guest-2", "between")]


def test_a_line_that_is_not_empty_after_one_cr_is_not_ignored(new_client: Connect) -> None:
    client = joined(new_client, "client")
    for line in (b"\r\r\n", b"   \n", b"\t\n"):
        client.send_raw(line)
        [error] = client.sync()
        assert (error["type"], error["code"]) == ("error", "bad_json"), line


# -- half close ---------------------------------------------------------------------


def test_half_close_gets_every_answer_then_eof_and_the_tail_is_dropped(
    new_client: Connect,
) -> None:
    other, client = pair(new_client)
    client.send_raw(
        frame(type="chat", text="before eof")
        + frame(type="chat", text="/who")
        + frame(type="sync", id="last")
        + b'{"type":"chat","text":"tail"}'  # no newline: dropped at end of file
    )
    client.shutdown_write()
    assert client.wait_closed(timeout=5.0)
    assert client.recv_until_idle() == [
        {"type": "notice", "from": "server", "text": "users: guest-1, guest-2"},
        {"type": "roster", "users": ["guest-1", "guest-2"]},
        {"type": "sync", "id": "last"},
    ]
    assert other.recv_until(lambda f: f["type"] == "roster") == [
        chat_from("guest-2", "before eof"),
        {"type": "leave", "user": "guest-2"},
        {"type": "roster", "users": ["guest-1"]},
    ]
    assert other.sync() == []  # "tail" never arrived


def test_printf_pipe_nc_style_gets_all_100_answers(new_client: Connect) -> None:
    other = joined(new_client, "other")
    client = new_client(label="nc")  # sends at once, reads nothing before its half close
    client.send_raw(b"".join(frame(type="sync", id=str(i)) for i in range(100)))
    client.shutdown_write()
    assert client.wait_closed(timeout=5.0)
    frames = client.recv_until_idle()
    assert frames[:2] == [
        {"type": "notice", "from": "server", "text": "welcome, guest-2"},
        {"type": "roster", "users": ["guest-1", "guest-2"]},
    ]
    assert frames[2:] == [{"type": "sync", "id": str(i)} for i in range(100)]
    assert other.recv_until(lambda f: f["type"] == "leave")[-1] == {
        "type": "leave",
        "user": "guest-2",
    }
    assert other.recv() == {"type": "roster", "users": ["guest-1"]}


def test_half_close_with_only_an_unterminated_tail_sends_nothing_more(
    new_client: Connect,
) -> None:
    other, client = pair(new_client)
    client.send_raw(b"this is not even json")  # would be bad_json if it were a line
    client.shutdown_write()
    assert client.wait_closed(timeout=5.0)
    assert client.recv_until_idle() == []
    assert other.recv_until(lambda f: f["type"] == "roster") == [
        {"type": "leave", "user": "guest-2"},
        {"type": "roster", "users": ["guest-1"]},
    ]
