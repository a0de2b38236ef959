"""Who is acting: the operating-system account running this process, by uid (never $USER).

The login is the passwd entry's name for the kernel's uid. A uid without a passwd entry gets
the placeholder ``uid-N`` and ``named=False``: a personal desk still enrols it, a team desk
refuses it, since nothing the user can set (such as ``$USER``) may choose who they act as.
"""

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class OsIdentity:
    uid: int
    login: str
    display_name: str
    named: bool = True  # the login comes from the passwd entry of the uid


def current_identity() -> OsIdentity:
    uid = os.getuid() if hasattr(os, "getuid") else 0
    try:
        import pwd

        entry = pwd.getpwuid(uid)
    except (ImportError, KeyError):
        return OsIdentity(uid=uid, login=f"uid-{uid}", display_name=f"uid {uid}", named=False)
    gecos = entry.pw_gecos.split(",")[0].strip()
    return OsIdentity(uid=uid, login=entry.pw_name, display_name=gecos or entry.pw_name)
