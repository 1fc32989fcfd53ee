"""Foreign servers: small Python scripts that know nothing of chatlab.

Each is a real process with its own habits (where it says it is ready, how it
takes its port, what it does with SIGTERM); none reads its stdin, so none
stops when the test process's end of it closes.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

#: An echo server's loop: one thread per connection, each line sent back.
ECHO = """
import os, signal, socket, sys, threading

def echo(conn):
    with conn, conn.makefile("rb") as lines:
        for line in lines:
            conn.sendall(line)

def serve(listener):
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=echo, args=(conn,), daemon=True).start()

def port():
    # the last argument, alone or as --port=N
    return int(sys.argv[-1].rpartition("=")[2])

def listen(port):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(("127.0.0.1", port))
    except OSError as error:
        print(f"cannot bind port {port}: {error}", file=sys.stderr, flush=True)
        sys.exit(1)
    listener.listen()
    return listener
"""


def foreign_server(directory: Path, name: str, main: str) -> list[str]:
    """The argv of a Python script made of the echo server's pieces and ``main``."""
    path = directory / f"{name}.py"
    path.write_text(ECHO + textwrap.dedent(main))
    return [sys.executable, str(path)]


#: Says it is ready on stderr, in its own words, with the port the kernel picked.
STDERR_READY = """
listener = listen(0)
print("kv 1.0 starting", flush=True)
host, port = listener.getsockname()
print(f"kv: listening on {host}:{port}", file=sys.stderr, flush=True)
serve(listener)
"""

#: Takes its port on the command line and says nothing.
SILENT_ON_PORT = """
serve(listen(port()))
"""

#: Takes its port on the command line and says "ready" on stderr once it listens.
READY_ON_PORT = """
listener = listen(port())
print("ready", file=sys.stderr, flush=True)
serve(listener)
"""
