"""The signed carrier API is first in the URLconf (resolved after two patterns, not the whole
list), and moving it there shadows no other address: every named route still resolves to itself."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

# A value each converter accepts that no literal segment of the URLconf equals.
SAMPLES = {"int": "7"}
SAMPLE = "zq7"


def _routes(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _routes(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace + entry.name, prefix + str(entry.pattern)


def _matching(regex: str) -> str:
    """A value a regex group accepts: the sample, a number or its first alternative."""
    return next(c for c in (SAMPLE, "7", *regex.split("|")) if re.fullmatch(regex, c))


def _address(pattern: str) -> str | None:
    path = re.sub(r"\(\?P<\w+>([^()]*)\)", lambda m: _matching(m.group(1)), pattern)
    path = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLES.get(m.group(1), SAMPLE), path)
    path = path.replace("^", "").replace("$", "").replace("\\Z", "")
    return None if "(" in path or "\\" in path or "[" in path else "/" + path


ROUTES = sorted(
    {(name, address) for name, pattern in _routes(get_resolver()) if (address := _address(pattern))}
)


def test_the_carrier_api_is_resolved_first():
    for name in ("api-carrier-events", "api-carrier-orders"):
        match = resolve(reverse(name, kwargs={"code": "swift-express"}))

        assert match.url_name == name
        assert match.route == f"api/v1/carriers/<slug:code>/{name.removeprefix('api-carrier-')}/"
        assert match.kwargs == {"code": "swift-express"}
        # The first entry of the root URLconf (the simulator's, when installed, comes before it).
        first = [e for e in get_resolver().url_patterns if str(e.pattern) != "simulator/"][0]
        assert str(first.pattern) == "api/v1/"
        assert [p.name for p in first.url_patterns] == ["api-carrier-events", "api-carrier-orders"]


def test_every_named_route_has_an_address_to_try():
    names = {name for name, _address in ROUTES}

    assert names == {name for name, _pattern in _routes(get_resolver())}
    assert len(names) > 80
    assert {"api-carrier-events", "api-carrier-orders", "api-carrier-reviews", "api-order-detail"} <= names


@pytest.mark.parametrize(("name", "address"), ROUTES)
def test_every_named_route_resolves_to_itself(name, address):
    match = resolve(address)

    assert match.view_name == name, (address, match.view_name)
