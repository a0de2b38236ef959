"""Human refs such as ``INC-1042``: typed case-insensitively and with or without the dash."""

import re
from dataclasses import dataclass
from enum import StrEnum


class RefKind(StrEnum):
    INC = "INC"
    REQ = "REQ"
    PRB = "PRB"
    KE = "KE"
    CHG = "CHG"
    EVT = "EVT"


_REF = re.compile(r"^\s*([A-Za-z]{2,3})\s*-?\s*(\d{1,12})\s*$")


class RefError(ValueError):
    pass


@dataclass(frozen=True)
class Ref:
    kind: RefKind
    number: int

    def __str__(self) -> str:
        return f"{self.kind.value}-{self.number}"


def parse_ref(text: str) -> Ref:
    """``inc1042``, ``INC-1042`` and `` Inc - 1042 `` all mean INC-1042."""
    match = _REF.match(text or "")
    if not match:
        raise RefError(f"{text!r} is not a ref; type one like INC-1042 or inc1042")
    prefix, number = match.group(1).upper(), int(match.group(2))
    try:
        kind = RefKind(prefix)
    except ValueError:
        known = ", ".join(k.value for k in RefKind)
        raise RefError(f"{text!r} has the unknown prefix {prefix}; refs start with {known}") from None
    if number < 1:
        raise RefError(f"{text!r}: ref numbers start at 1")
    return Ref(kind, number)


def looks_like_ref(text: str) -> bool:
    try:
        parse_ref(text)
    except RefError:
        return False
    return True
