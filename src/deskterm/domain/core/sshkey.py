"""OpenSSH public keys as the team file and ``agent key add`` give them: one line of
``type base64 [comment]``. A key is identified by its SHA256 fingerprint (what ``ssh-keygen -l``
prints and what the SSH server logs), never by its comment, which anyone may change."""

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

KEY_TYPES = (
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
)


class BadKey(ValueError):
    """Not one OpenSSH public key line; the message says what to give instead."""


@dataclass(frozen=True)
class PublicKey:
    kind: str
    blob: bytes
    comment: str

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.blob)

    @property
    def line(self) -> str:
        """The stored form: type, base64 and the comment (kept as a reminder whose key it is)."""
        text = f"{self.kind} {base64.b64encode(self.blob).decode()}"
        return f"{text} {self.comment}" if self.comment else text


def fingerprint(blob: bytes) -> str:
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def parse(text: str) -> PublicKey:
    """One key line (options such as ``from=`` in front are refused: the desk does not apply them)."""
    parts = text.strip().split(None, 2)
    if len(parts) < 2 or parts[0] not in KEY_TYPES:
        known = ", ".join(KEY_TYPES[:3])
        raise BadKey(f"not an OpenSSH public key line (type base64 comment, the type one of {known}, ...)")
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        raise BadKey("the key's base64 part is damaged; copy the whole .pub line again") from None
    if len(blob) < 4:
        raise BadKey("the key's base64 part is too short; copy the whole .pub line again")
    (size,) = struct.unpack(">I", blob[:4])
    if blob[4 : 4 + size].decode("ascii", "replace") != parts[0]:
        raise BadKey(f"the key's data is not a {parts[0]} key; copy the whole .pub line again")
    comment = " ".join(parts[2].split()) if len(parts) > 2 else ""
    return PublicKey(kind=parts[0], blob=blob, comment=comment[:200])


def same_key(line: str, blob: bytes) -> bool:
    """Whether a stored key line is the key ``blob`` (a damaged line is no key)."""
    try:
        return parse(line).blob == blob
    except BadKey:
        return False
