"""Prestart, through pytester: each test takes a server started while the one
before it ran, never one anybody used, and no spare outlives the session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pytest_chatlab import server_binary
from support.pytester_runs import run

pytest_plugins = ["pytester"]

THREE_TESTS = """
    import os
    from pathlib import Path

    import pytest

    @pytest.mark.parametrize("n", range(3))
    def test_fresh(server_process, new_client, chatlab_spares, n):
        client = new_client()
        assert client.recv()["text"] == "welcome, guest-1"  # nobody used it before
        Path(__file__).with_name(f"pid-{n}").write_text(str(server_process.pid))
        Path(__file__).with_name(f"served-{os.getpid()}").write_text(str(chatlab_spares.served))
"""

THREADS_AT_THE_END = """
    import os
    import threading
    from pathlib import Path

    def pytest_unconfigure(config):
        names = " ".join(sorted(t.name for t in threading.enumerate()))
        Path(__file__).with_name(f"threads-{os.getpid()}").write_text(names)
"""


def own_binary(pytester: pytest.Pytester) -> Path:
    """A copy of chatlab-server at a path of this test's own, to find its processes by."""
    copy = pytester.path / "own-chatlab-server"
    shutil.copy2(server_binary(), copy)
    return copy


def alive_from(binary: Path) -> list[int]:
    """The pids of the processes running ``binary``."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.readlink(entry / "exe") == str(binary):
                    pids.append(int(entry.name))
            except OSError:  # gone, or not ours to read
                continue
    return pids


@pytest.mark.skipif(not Path("/proc/self/exe").exists(), reason="reads /proc")
@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_each_test_takes_a_fresh_spare_and_none_outlives_the_session(
    pytester: pytest.Pytester, workers: list[str]
):
    binary = own_binary(pytester)
    pytester.makepyfile(THREE_TESTS)
    pytester.makeconftest(THREADS_AT_THE_END)

    result = pytester.runpytest_subprocess(
        "-p", "no:hypothesispytest", "-o", "chatlab_prestart=true",
        f"--chatlab-server={binary}", *workers,
    )  # fmt: skip

    result.assert_outcomes(passed=3)
    pids = {(pytester.path / f"pid-{n}").read_text() for n in range(3)}
    assert len(pids) == 3  # each test its own process
    served = [int(path.read_text()) for path in pytester.path.glob("served-*")]
    # Per process, every test after its first took a spare: 2 serially, 1 of 3 on two workers.
    assert sum(served) == 3 - len(served)
    assert alive_from(binary) == []  # the spares were stopped at session end
    ends = list(pytester.path.glob("threads-*"))
    assert len(ends) >= len(served)  # each worker, and an xdist controller
    for threads in ends:  # the spawner and the drainer ended too
        assert [name for name in threads.read_text().split() if "chatlab" in name] == []


def test_prestart_per_call_overrides_the_ini(pytester: pytest.Pytester):
    binary = own_binary(pytester)
    pytester.makepyfile(
        """
        def test_one(chatlab_server_factory):
            chatlab_server_factory(max_clients=3, prestart=True)

        def test_other_configuration(chatlab_server_factory, chatlab_spares):
            chatlab_server_factory(max_clients=4, prestart=True)
            assert chatlab_spares.served == 0

        def test_same_as_the_first(chatlab_server_factory, chatlab_spares):
            chatlab_server_factory(max_clients=3, prestart=True)
            assert chatlab_spares.served == 1

        def test_off_for_this_call(chatlab_server_factory, chatlab_spares):
            chatlab_server_factory(max_clients=3, prestart=False)
            assert chatlab_spares.served == 1
        """
    )

    result = run(pytester, "-p", "no:randomly", f"--chatlab-server={binary}")

    result.assert_outcomes(passed=4)
    assert alive_from(binary) == []


@pytest.mark.skipif(not Path("/proc/self/exe").exists(), reason="reads /proc")
def test_the_next_spare_is_spawned_while_the_test_runs_not_in_its_setup(
    pytester: pytest.Pytester,
):
    binary = own_binary(pytester)
    pytester.makepyfile(
        f"""
        import os
        from pathlib import Path

        import pytest

        def alive():
            count = 0
            for entry in Path("/proc").iterdir():
                try:
                    count += os.readlink(entry / "exe") == {str(binary)!r}
                except OSError:
                    continue
            return count

        @pytest.fixture
        def counted(server_process):
            counts = [alive()]  # setup: the test's own server, no spare yet
            yield counts
            counts.append(alive())  # teardown, before the server's: the spare is there
            assert counts == [1, 2]

        @pytest.mark.parametrize("n", range(3))
        def test_body(counted, n):
            pass
        """
    )

    result = run(pytester, "-o", "chatlab_prestart=true", f"--chatlab-server={binary}")

    result.assert_outcomes(passed=3)
    assert alive_from(binary) == []


def test_a_factory_first_asked_for_in_the_body_prestarts_too(pytester: pytest.Pytester):
    binary = own_binary(pytester)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("n", range(3))
        def test_body(request, n):
            request.getfixturevalue("chatlab_server_factory")()
            # Each test after the first took the spare the one before it spawned.
            assert request.getfixturevalue("chatlab_spares").served == n
        """
    )

    result = run(
        pytester, "-p", "no:randomly", "-o", "chatlab_prestart=true", f"--chatlab-server={binary}"
    )

    result.assert_outcomes(passed=3)
    assert alive_from(binary) == []
