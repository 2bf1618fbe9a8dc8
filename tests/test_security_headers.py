"""Security headers on every answer (issue 15): a strict CSP, Permissions-Policy, Referrer-Policy and
Cross-Origin-Opener-Policy; and no inline script, style or handler left in any template."""

import re
from pathlib import Path

import pytest
from csp.middleware import CSPMiddleware
from csp.utils import build_policy
from django.conf import settings as django_settings
from django.http import HttpResponse
from django.urls import reverse

from courier_platform.middleware import ContentSecurityPolicyMiddleware

BASE = Path(__file__).resolve().parent.parent


def _directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


@pytest.mark.parametrize("url", ["/accounts/login/", "/api/v1/agreement/", "/api/docs/", "/api/schema/"])
def test_every_answer_carries_the_security_headers(client, db, url):
    response = client.get(url)

    csp = _directives(response["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"][0] == "'self'"
    assert csp["style-src"][0] == "'self'"
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions.split(", ")


def test_nothing_from_other_hosts_and_no_unsafe_sources(client, db):
    header = client.get("/accounts/login/")["Content-Security-Policy"]

    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    assert "http" not in header and "*" not in header


def test_a_nonce_is_offered_only_when_a_page_uses_one(client, db):
    csp = _directives(client.get("/accounts/login/")["Content-Security-Policy"])

    # No page needs inline code today: the policy is 'self' alone, which blocks every inline block.
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]


def test_the_error_pages_carry_the_policy_too(client, customer, settings):
    settings.DEBUG = False
    client.force_login(customer)
    response = client.get("/orders/NOPE/")

    assert response.status_code == 404
    assert _directives(response["Content-Security-Policy"])["frame-ancestors"] == ["'none'"]


INLINE = [
    re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)[^>]*>", re.I),  # inline script without a nonce
    re.compile(r"<style(?![^>]*\bnonce=)[^>]*>", re.I),
    re.compile(r"\sstyle\s*=", re.I),
    re.compile(r"\son[a-z]+\s*=", re.I),
    re.compile(r"javascript:", re.I),
]


def _templates() -> list[Path]:
    roots = [BASE / "templates", *BASE.glob("*/templates")]
    return sorted(p for root in roots for p in root.rglob("*.html") if ".venv" not in p.parts)


def test_no_template_has_inline_script_style_or_handlers():
    offenders = [
        f"{path.relative_to(BASE)}: {match.group(0)}"
        for path in _templates()
        for pattern in INLINE
        for match in pattern.finditer(path.read_text())
    ]

    assert _templates(), "no templates found"
    assert offenders == []


def test_the_booking_page_loads_its_script_from_static(client, customer):
    client.force_login(customer)

    html = client.get(reverse("orders:book")).content.decode()

    assert f'src="/{django_settings.STATIC_URL.strip("/")}/js/site.js"' in html
    assert "<script>" not in html


# --- the policy built once (courier_platform.middleware.ContentSecurityPolicyMiddleware) ---------

POLICY_CASES = {
    "settings": ({}, {}, None),
    "nonce used": ({}, {}, "nonce"),
    "response's own update": ({}, {"_csp_update": {"img-src": ["https://img.example"]}}, None),
    "response's own replace": ({}, {"_csp_replace": {"script-src": ["'none'"]}}, None),
    "exempt": ({}, {"_csp_exempt": True}, None),
    "header set by the view": ({}, {"Content-Security-Policy": "default-src 'none'"}, None),
    "report only too": (
        {"CONTENT_SECURITY_POLICY_REPORT_ONLY": {"DIRECTIVES": {"default-src": ["'none'"]}}},
        {},
        None,
    ),
    "other policy": ({"CONTENT_SECURITY_POLICY": {"DIRECTIVES": {"default-src": ["'none'"]}}}, {}, None),
    "excluded prefix": (
        {
            "CONTENT_SECURITY_POLICY": {
                **django_settings.CONTENT_SECURITY_POLICY,
                "EXCLUDE_URL_PREFIXES": ["/api/"],
            }
        },
        {},
        None,
    ),
    "debug 404": ({"DEBUG": True}, {"status": 404}, None),
}


def _answer(middleware_class, rf, extra: dict, use: str | None):
    def view(request):
        response = HttpResponse(status=extra.get("status", 200))
        for name, value in extra.items():
            if name.startswith("_"):
                setattr(response, name, value)
            elif name != "status":
                response[name] = value
        if use == "nonce":
            response.nonce = str(request.csp_nonce)
        return response

    request = rf.post("/api/v1/carriers/swift-express/events/")
    response = middleware_class(view)(request)
    return request, response


@pytest.mark.parametrize("case", POLICY_CASES)
def test_the_policy_built_once_is_django_csps(settings, rf, case):
    changed, extra, use = POLICY_CASES[case]
    for name, value in changed.items():
        setattr(settings, name, value)

    for _ in range(2):  # built, then from the cache
        theirs_request, theirs = _answer(CSPMiddleware, rf, extra, use)
        ours_request, ours = _answer(ContentSecurityPolicyMiddleware, rf, extra, use)

        header_names = ("Content-Security-Policy", "Content-Security-Policy-Report-Only")
        assert {h: ours.get(h) for h in header_names} == {
            # The nonce differs per request; everything else is the same.
            h: (theirs.get(h) or "").replace(getattr(theirs, "nonce", "\0"), getattr(ours, "nonce", "\0"))
            or None
            for h in header_names
        }
        if use == "nonce":
            assert f"'nonce-{ours.nonce}'" in ours["Content-Security-Policy"]
        if case != "debug 404":
            # A nonce asked for after the header was written is an error, as with django-csp.
            for request in (theirs_request, ours_request):
                if use is None:
                    with pytest.raises(Exception, match="not available after the CSP header"):
                        str(request.csp_nonce)


def test_the_callbacks_policy_is_the_settings_policy(settings, rf):
    _request, response = _answer(ContentSecurityPolicyMiddleware, rf, {}, None)

    assert response["Content-Security-Policy"] == build_policy()
    assert _directives(response["Content-Security-Policy"])["script-src"] == ["'self'"]
    assert "courier_platform.middleware.ContentSecurityPolicyMiddleware" in settings.CARRIER_API_MIDDLEWARE
    assert "courier_platform.middleware.ContentSecurityPolicyMiddleware" in settings.MIDDLEWARE
