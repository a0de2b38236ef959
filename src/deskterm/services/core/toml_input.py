"""Definitions files (TOML) read under the input bounds, for every ``apply``.

Syntax errors, nesting deeper than :data:`~deskterm.domain.core.bounds.MAX_DEPTH` and text no
database can store (NUL, lone surrogates) are all exit 4 naming the file; nothing is changed.
"""

import tomllib
from typing import Any

from deskterm.domain.core.bounds import MAX_DEPTH, depth, unstorable
from deskterm.services.core.errors import InvalidInput


def load_toml(text: str, source: str) -> dict[str, Any]:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{source} is not valid TOML ({exc}); nothing was changed") from None
    except RecursionError:
        raise InvalidInput(
            f"{source} is nested more than {MAX_DEPTH} levels deep; nothing was changed"
        ) from None
    if depth(raw) > MAX_DEPTH:
        raise InvalidInput(f"{source} is nested more than {MAX_DEPTH} levels deep; nothing was changed")
    bad = unstorable(raw)
    if bad is not None:
        raise InvalidInput(f"{source} holds {bad}, which the desk cannot store; nothing was changed")
    return raw
