"""bound_device, checked through pytester: marking, teardown, the verdict on
callback errors and the report of a failing test."""

from __future__ import annotations

import pytest

from support.pytester_runs import run

pytest_plugins = ["pytester"]


def test_a_mode3_test_passes_and_is_marked_e2e(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        def test_devices(bound_device):
            alice, bob = bound_device(label="alice"), bound_device(label="bob")
            alice.sync(); bob.sync()
            alice.send("hi")
            assert bob.wait_for(lambda m: m.type == "chat").text == "hi"

        def test_mock(new_client):
            new_client().sync()
        """
    )

    result = run(pytester, "-m", "e2e", "-v")

    result.assert_outcomes(passed=1, deselected=1)
    result.stdout.fnmatch_lines(["*test_devices PASSED*"])


def test_a_callback_that_raises_fails_the_test_that_owns_it(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        def test_callback(bound_device):
            alice = bound_device(label="alice")

            def on_message(message):
                if message.type == "notice":
                    raise ZeroDivisionError("no room for " + message.text)

            alice.on_message(on_message)
            alice.send("/who")
            alice.sync()  # the body itself passes

        def test_next(bound_device):
            bound_device().sync()
        """
    )

    result = run(pytester)

    result.assert_outcomes(failed=1, passed=1)  # no extra teardown error
    result.stdout.fnmatch_lines(
        [
            "*alice: a callback raised on the C++ receive thread*",
            "*in on_message*",
            "*ZeroDivisionError: no room for users: guest-1*",
            "*chatlab device alice (call)*",
            "*error    callback raised ZeroDivisionError: no room for users: guest-1*",
        ]
    )


def test_a_callback_error_after_the_call_fails_its_teardown(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.fixture
        def alice(bound_device):
            device = bound_device(label="alice")
            yield device
            device.send("/who")  # after the call's verdict, before bound_device's teardown
            device.sync()

        def test_late(alice):
            alice.sync()
            alice.on_message(lambda m: m.type == "notice" and 1 / 0)
        """
    )

    result = run(pytester)

    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*ERROR at teardown of test_late*", "*alice: a callback raised*", "*ZeroDivisionError*"]
    )


def test_a_failing_test_reports_each_devices_messages(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        def test_fails(bound_device):
            alice = bound_device(label="alice")
            alice.send("/name alice")
            alice.sync()
            assert False, "look at the sections"
        """
    )

    result = run(pytester)

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*chatlab device alice (call)*",
            "alice (127.0.0.1:* -> 127.0.0.1:*, name alice, connected):",
            '*sent*{"text":"/name alice","type":"chat"}*',
            '*recv*{"type":"roster","users":?"alice"?}*',
        ]
    )


def test_every_device_is_disconnected_after_its_test(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        made = []

        def test_make(bound_device):
            made.extend([bound_device(), bound_device()])
            assert all(device.connected for device in made)

        def test_after():
            assert [device.connected for device in made] == [False, False]
            assert [device.close_reason for device in made] == ["disconnected"] * 2
        """
    )

    run(pytester).assert_outcomes(passed=2)


def test_server_picks_another_server(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        def test_other(chatlab_server_factory, bound_device):
            small = chatlab_server_factory(max_clients=1)
            device = bound_device(server=small, label="only")
            device.sync()
            assert device.address == small.address
            refused = bound_device(server=small)
            error = refused.wait_for(lambda m: m.type == "error")
            assert error.code == "server_full"
            assert refused.wait_closed()
        """
    )

    run(pytester, "-m", "e2e").assert_outcomes(passed=1)
