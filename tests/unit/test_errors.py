"""errors.py: every public exception, one module, stdlib only."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

import pytest_chatlab as chatlab
from pytest_chatlab import errors

pytestmark = pytest.mark.unit


def test_the_compiled_core_raises_the_very_class_wire_raises():
    with pytest.raises(errors.ProtocolError) as native:
        chatlab.decode("not json")
    with pytest.raises(errors.ProtocolError) as pure:
        chatlab.wire.decode(b"not json")
    assert type(native.value) is type(pure.value) is chatlab.ProtocolError
    assert native.value.code == pure.value.code == "bad_json"


def test_a_protocol_error_survives_pickling_with_its_code_and_frames():
    error = errors.ProtocolError("frame_too_large", "too long", frames=["a", "b"])
    again = pickle.loads(pickle.dumps(error))
    assert (again.code, again.detail, again.frames, str(again)) == (
        "frame_too_large",
        "too long",
        ["a", "b"],
        "frame_too_large: too long",
    )


@pytest.mark.parametrize(
    ("name", "base"),
    [
        ("ProtocolError", ValueError),
        ("ConnectionClosedError", ConnectionError),
        ("ServerStartError", RuntimeError),
        ("ServerCrashedError", AssertionError),  # the server, not the harness, failed the test
    ],
)
def test_each_public_exception_lives_in_errors_and_is_re_exported(name, base):
    cls = getattr(errors, name)
    assert issubclass(cls, base)
    assert getattr(chatlab, name) is cls
    assert name in errors.__all__


def test_errors_imports_nothing_of_the_package():
    code = (
        "import sys, pytest_chatlab.errors; "
        "print(sorted(m for m in sys.modules if m.startswith('pytest_chatlab')))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "['pytest_chatlab', 'pytest_chatlab.errors']"
