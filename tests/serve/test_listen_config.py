"""Where a server listens (``--listen``) and the ``[serve]`` settings, file and environment."""

from pathlib import Path

import pytest

from deskterm.config import ConfigError, load_settings
from deskterm.serve.listen import Listen, parse_listen
from deskterm.services.core.errors import InvalidInput


@pytest.mark.parametrize(
    ("text", "host", "port", "loopback"),
    [
        ("127.0.0.1:9095", "127.0.0.1", 9095, True),
        ("127.0.0.2:0", "127.0.0.2", 0, True),
        ("[::1]:8000", "::1", 8000, True),
        ("localhost:8000", "localhost", 8000, True),
        ("0.0.0.0:9095", "0.0.0.0", 9095, False),
        ("[::]:9095", "::", 9095, False),
        ("192.0.2.7:80", "192.0.2.7", 80, False),
        ("desk.example.com:9095", "desk.example.com", 9095, False),
    ],
)
def test_listen_addresses(text: str, host: str, port: int, loopback: bool) -> None:
    listen = parse_listen(text)
    assert listen == Listen(host, port) and listen.loopback is loopback


@pytest.mark.parametrize("text", ["", "9095", ":9095", "127.0.0.1:", "127.0.0.1:99999", "::1:80", "a:b"])
def test_bad_listen_addresses_are_exit_4(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_listen(text)
    assert "--listen" in refused.value.message and "\n" not in refused.value.message


def test_the_events_token_from_the_file_and_the_environment(tmp_path: Path) -> None:
    user = tmp_path / "config.toml"
    user.write_text('[serve]\nevents_token = "from-the-file-0123456789"\n')
    none = tmp_path / "none.toml"
    assert load_settings(environ={}, site_file=none, user_file=none).serve.events_token is None
    settings = load_settings(environ={}, site_file=none, user_file=user)
    assert settings.serve.events_token == "from-the-file-0123456789"
    assert "from-the-file" not in repr(settings)  # a secret is kept out of reprs and logs
    env = {"DESKTERM_SERVE_EVENTS_TOKEN": "from-the-environment-01"}
    assert load_settings(environ=env, site_file=none, user_file=user).serve.events_token == (
        "from-the-environment-01"
    )
    user.write_text('[serve]\nevents_token = "short"\n')
    with pytest.raises(ConfigError, match=r"serve\.events_token"):
        load_settings(environ={}, site_file=none, user_file=user)
