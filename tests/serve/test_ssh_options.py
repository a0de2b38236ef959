"""``deskterm serve ssh``'s own checks, without a server: a bad address, no server to list,
and the server's command refusals (what a session may not run)."""

import pytest

from deskterm.cli.main import main
from deskterm.serve.child import command_argv


@pytest.mark.parametrize("listen", ["nowhere", "127.0.0.1:99999", "127.0.0.1:ssh", ":-1"])
def test_a_bad_listen_address_is_bad_input(listen: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "ssh", "--listen", listen]) == 4
    assert capsys.readouterr().err.startswith("deskterm: --listen")


def test_status_without_a_server_is_not_found(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "ssh", "--status", "--format", "json"]) == 3
    assert "no deskterm serve ssh is running" in capsys.readouterr().err


def test_what_a_session_may_run() -> None:
    assert command_argv("ticket list --format json") == ["ticket", "list", "--format", "json"]
    assert command_argv("deskterm whoami") == ["whoami"]
    for refused in ("--db sqlite:///x whoami", "--db=x whoami", "serve ssh", "demo", "db backup x", "'open"):
        with pytest.raises(ValueError):
            command_argv(refused)
