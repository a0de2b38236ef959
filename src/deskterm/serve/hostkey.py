"""The server's host key and its folder: made on first start, readable by the server alone."""

import os
from pathlib import Path

import asyncssh

from deskterm import paths

KEY_NAME = "ssh_host_ed25519_key"


def serve_dir() -> Path:
    """Where the server keeps its host key, its state file and the sessions' drafts (0700)."""
    folder = paths.user_data_dir() / "serve"
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def load_or_create(path: Path | None = None) -> tuple[asyncssh.SSHKey, Path, bool]:
    """The host key at ``path`` (default: in :func:`serve_dir`), generated when missing.
    Returns the key, where it is, and whether it was made now. A key that others can read is
    refused: whoever reads it can pose as this server."""
    path = path or serve_dir() / KEY_NAME
    made = False
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = asyncssh.generate_private_key("ssh-ed25519")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key.export_private_key())
        made = True
    mode = path.stat().st_mode & 0o077
    if mode:
        raise PermissionError(f"the host key {path} is readable by others; run chmod 600 {path}")
    return asyncssh.read_private_key(str(path)), path, made


def fingerprint(key: asyncssh.SSHKey) -> str:
    return str(key.get_fingerprint("sha256"))
