"""Who is acting: the operating-system account running this process, by uid (not $USER)."""

import getpass
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class OsIdentity:
    uid: int
    login: str
    display_name: str


def current_identity() -> OsIdentity:
    uid = os.getuid() if hasattr(os, "getuid") else 0
    try:
        import pwd

        entry = pwd.getpwuid(uid)
        login = entry.pw_name
        gecos = entry.pw_gecos.split(",")[0].strip()
    except (ImportError, KeyError):
        login, gecos = getpass.getuser(), ""
    return OsIdentity(uid=uid, login=login, display_name=gecos or login)
