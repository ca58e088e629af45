"""Canonical URLs, so one article reached through two links is stored once.

Feeds and share buttons decorate links with tracking parameters (utm_*, fbclid…), fragments and
default ports; stripping those gives a stable key. Query order is kept (some sites route on it)
and paths keep their case (paths are case-sensitive on most servers).
"""

from __future__ import annotations

import contextlib
import logging
import posixpath
import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

log = logging.getLogger(__name__)

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "rb_clickid",
        "s_cid",
        "cmpid",
        "ncid",
        "ocid",
        "smid",
        "sr_share",
        "at_medium",
        "at_campaign",
        "ref_src",
        "ref_url",
        "__twitter_impression",
        "spm",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "itm_")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SAFE_PATH = "/:@!$&'()*+,;=-._~%"
_SAFE_QUERY = "/?:@!$'()*+,;-._~%"


def is_tracking_param(name: str) -> bool:
    """True for query parameters that only identify a campaign or a click, not the page."""
    lowered = name.strip().lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def _normalise_path(path: str) -> str:
    if not path:
        return "/"
    # Decode only what needs no escaping, then escape what must be: %7E -> ~, space -> %20.
    path = quote(unquote(path, errors="surrogatepass"), safe=_SAFE_PATH, errors="surrogatepass")
    path = re.sub(r"%[0-9a-f]{2}", lambda m: m.group(0).upper(), path)
    if "/." in path or path.startswith("."):
        trailing = path.endswith("/")
        path = posixpath.normpath("/" + path.lstrip("/"))
        if trailing and path != "/":
            path += "/"
    path = re.sub(r"/{2,}", "/", path)
    return path if path.startswith("/") else "/" + path


def canonical_url(url: str) -> str:
    """The stable form of an http(s) URL; anything unparseable comes back stripped, never raises.

    Lower-cases scheme and host, drops default ports, fragments, empty ``?`` and tracking
    parameters, removes dot segments and normalises percent-escapes.
    """
    text = url.strip()
    try:
        parts = urlsplit(text)
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS or not parts.hostname:
            return text
        host = parts.hostname.lower().rstrip(".")
        with contextlib.suppress(UnicodeError):
            host = host.encode("idna").decode("ascii") if not host.isascii() else host
        if ":" in host:
            host = f"[{host}]"
        port = parts.port
        netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
        if parts.username is not None or parts.password is not None:
            userinfo = parts.netloc.rpartition("@")[0]
            netloc = f"{userinfo}@{netloc}"
        pairs = [
            (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_param(k)
        ]
        query = urlencode(pairs, safe=_SAFE_QUERY, quote_via=quote) if pairs else ""
        return urlunsplit((scheme, netloc, _normalise_path(parts.path), query, ""))
    except ValueError:
        return text


def same_site(a: str, b: str) -> bool:
    """True when two URLs are on the same host, ignoring a leading ``www.``.

    Used to decide whether a page's rel=canonical may replace the URL we fetched: a page may not
    claim to be the canonical copy of an article on someone else's site.
    """
    try:
        ha = (urlsplit(a).hostname or "").lower().removeprefix("www.")
        hb = (urlsplit(b).hostname or "").lower().removeprefix("www.")
    except ValueError:
        return False
    return bool(ha) and ha == hb
