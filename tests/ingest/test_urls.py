"""Canonical URLs: examples plus hypothesis properties."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.ingest.urls import canonical_url, is_tracking_param, same_site


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("HTTP://Example.COM:80/a/b?x=1#frag", "http://example.com/a/b?x=1"),
        ("https://example.com:443", "https://example.com/"),
        ("https://example.com:8443/A/./b/../C", "https://example.com:8443/A/C"),
        (
            "https://example.com/p?utm_source=rss&id=7&utm_medium=feed&fbclid=abc",
            "https://example.com/p?id=7",
        ),
        ("https://example.com/p?gclid=1&mc_cid=2&mc_eid=3", "https://example.com/p"),
        ("https://example.com/p?b=2&a=1", "https://example.com/p?b=2&a=1"),
        ("https://example.com/caf%c3%a9?q=a%20b", "https://example.com/caf%C3%A9?q=a%20b"),
        ("https://example.com/%7Euser", "https://example.com/~user"),
        ("https://example.com//double//slash", "https://example.com/double/slash"),
        ("https://EXAMPLE.com./x?", "https://example.com/x"),
        ("https://bücher.de/x", "https://xn--bcher-kva.de/x"),
        ("https://[2001:DB8::1]:443/x", "https://[2001:db8::1]/x"),
        ("  https://example.com/x  ", "https://example.com/x"),
        ("mailto:someone@example.com", "mailto:someone@example.com"),
        ("not a url", "not a url"),
    ],
)
def test_examples(raw: str, canonical: str) -> None:
    assert canonical_url(raw) == canonical


def test_tracking_names() -> None:
    assert is_tracking_param("UTM_Campaign") and is_tracking_param("fbclid") and not is_tracking_param("id")


def test_same_site() -> None:
    assert same_site("https://www.example.com/a", "http://example.com/b")
    assert not same_site("https://example.com/a", "https://evil.example.net/a")


hosts = st.from_regex(r"[a-zA-Z0-9]([a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?(\.[a-zA-Z]{2,6}){1,2}", fullmatch=True)
segments = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)
param_names = st.one_of(
    st.sampled_from(
        ["utm_source", "utm_medium", "UTM_campaign", "fbclid", "gclid", "mc_cid", "id", "page", "q"]
    ),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8),
)
params = st.lists(st.tuples(param_names, st.text(max_size=8)), max_size=6)


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "Https"]))
    host = draw(hosts)
    port = draw(st.sampled_from(["", ":80", ":443", ":8080"]))
    path = "/".join(draw(st.lists(segments, max_size=4)))
    query = "&".join(f"{k}={v}" for k, v in draw(params))
    fragment = draw(st.sampled_from(["", "#top", "#"]))
    return f"{scheme}://{host}{port}/{path}" + (f"?{query}" if query else "") + fragment


@given(urls())
def test_idempotent(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once


@given(urls())
def test_tracking_params_and_fragments_always_removed(url: str) -> None:
    parts = urlsplit(canonical_url(url))
    assert not parts.fragment
    assert not any(is_tracking_param(k) for k, _ in parse_qsl(parts.query, keep_blank_values=True))
    assert parts.scheme in ("http", "https") and parts.hostname is not None
    assert parts.hostname == parts.hostname.lower()


@given(st.text(max_size=80))
def test_never_raises_on_arbitrary_text(text: str) -> None:
    assert isinstance(canonical_url(text), str)
    assert isinstance(canonical_url("https://example.com/" + text), str)
