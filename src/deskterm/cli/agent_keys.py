"""``deskterm agent key add | remove | list``: the SSH keys an agent logs in to
``deskterm serve ssh`` with (admins add and remove them; the team file's ``ssh_keys`` too)."""

import argparse

from deskterm.cli.app import CliApp, add_format, handler
from deskterm.cli.inputs import read_text
from deskterm.cli.output import emit
from deskterm.services.people import ssh

KEY_COLUMNS = ("login", "fingerprint", "type", "comment")


def register_agent_key(asub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    key = asub.add_parser("key", help="SSH keys that log in to deskterm serve ssh")
    ksub = key.add_subparsers(dest="key_command", required=True, metavar="COMMAND")
    add = ksub.add_parser("add", help="let an agent log in with a public key (admins)")
    add.add_argument("login")
    add.add_argument("keyfile", help="the public key file (.pub), or '-' for standard input")
    add_format(add)
    handler(add, _add)
    rm = ksub.add_parser("remove", help="stop a key logging in (admins)")
    rm.add_argument("login")
    rm.add_argument("key", help="the key's fingerprint (SHA256:...) as key list shows it")
    add_format(rm)
    handler(rm, _remove)
    ls = ksub.add_parser("list", help="the keys of one agent, or of all")
    ls.add_argument("login", nargs="?")
    add_format(ls)
    handler(ls, _list)


def _add(app: CliApp) -> int:
    text, _source = read_text(app.args.keyfile)
    emit(ssh.add_key(app.desk, app.args.login, text), app.fmt, KEY_COLUMNS)
    return 0


def _remove(app: CliApp) -> int:
    emit(ssh.remove_key(app.desk, app.args.login, app.args.key), app.fmt, KEY_COLUMNS)
    return 0


def _list(app: CliApp) -> int:
    emit(ssh.list_keys(app.desk, app.args.login), app.fmt, KEY_COLUMNS)
    return 0
