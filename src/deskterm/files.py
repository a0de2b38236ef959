"""Files the desk creates hold callers' names, e-mails and phones: they are private.

Folders deskterm creates are 0700 and files 0600, whatever the umask; an existing folder a
user chose (for ``--db``) keeps its mode, but the files made in it are still 0600.
"""

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create ``path`` and missing parents as 0700; tighten it if deskterm made it before."""
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
        os.chmod(folder, DIR_MODE)  # mkdir's mode is filtered by the umask
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty as 0600 if it does not exist (never loosening an existing file)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return path
    os.close(fd)
    os.chmod(path, FILE_MODE)
    return path


def write_private(path: Path, text: str) -> None:
    """Write ``text`` atomically (temp file + rename) to a 0600 file in a 0700 folder."""
    private_dir(path.parent)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, FILE_MODE)
    os.replace(tmp, path)
