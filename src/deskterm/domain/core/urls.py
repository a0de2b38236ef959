"""Database URLs as shown to people: never a secret.

A URL can carry a secret in its userinfo (``user:pass@``) and in query parameters
(``?password=``, ``?sslpassword=``, ``?passfile=``, tokens, keys). :func:`mask_url` hides the
password and the value of every query parameter not known to be harmless. It works on text
SQLAlchemy cannot parse too, so even an error about a malformed URL leaks nothing.
"""

import re
from urllib.parse import parse_qsl, quote, urlsplit

MASK = "***"

# Query parameters whose values are safe to show; every other value is masked.
SAFE_QUERY = frozenset(
    {
        "sslmode",
        "connect_timeout",
        "application_name",
        "target_session_attrs",
        "host",
        "hostaddr",
        "port",
        "dbname",
        "user",
        "mode",
        "cache",
        "uri",
        "gssencmode",
        "channel_binding",
        "client_encoding",
    }
)

# The userinfo runs to the last "@" of the authority, so a password holding "@" is masked whole.
_USERINFO = re.compile(r"^(?P<scheme>[^:/?#]+://)(?P<user>[^:/?#]*):(?P<password>[^/?#]*)@")


def _mask_query(query: str) -> str:
    parts = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        shown = value if key.lower() in SAFE_QUERY else MASK
        parts.append(f"{quote(key, safe='')}={quote(shown, safe='*/:')}")
    return "&".join(parts)


def mask_url(url: str) -> str:
    """``url`` with its password and every possibly secret query value replaced by ``***``."""
    masked = _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", url, count=1)
    base, sep, rest = masked.partition("?")
    if not sep:
        return masked
    query, hash_, _fragment = rest.partition("#")
    return f"{base}?{_mask_query(query)}" + (f"#{MASK}" if hash_ else "")


def secrets_in(url: str) -> list[str]:
    """The secret strings ``url`` carries (to scrub them from a driver's error text)."""
    found = []
    m = _USERINFO.match(url)
    if m and m["password"]:
        found.append(m["password"])
        found.extend(m["password"].split("@"))  # a driver may read "p@ss@host" as host "ss@host"
    try:
        query = urlsplit(url).query
    except ValueError:
        query = url.partition("?")[2]
    found.extend(v for k, v in parse_qsl(query, keep_blank_values=True) if k.lower() not in SAFE_QUERY and v)
    for part in query.split("&"):  # as written, too: a driver may quote it undecoded
        key, _, raw = part.partition("=")
        if key.lower() not in SAFE_QUERY and raw:
            found.append(raw)
    return found


def scrub(text: str, url: str) -> str:
    """``text`` (an error message) with any secret from ``url`` replaced by ``***``."""
    for secret in sorted(secrets_in(url), key=len, reverse=True):
        if len(secret) >= 3:
            text = text.replace(secret, MASK)
    return text
