"""courier_platform.middleware.LocaleMiddleware answers as Django's LocaleMiddleware: the same
language for the request, the same Vary and Content-Language, the same redirect of a URLconf with
language prefixes; it only skips the path's language lookup when no URL has a prefix."""

from __future__ import annotations

import pytest
from django.conf.urls.i18n import i18n_patterns
from django.http import HttpResponse
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.urls import path
from django.utils import translation

from courier_platform.middleware import LocaleMiddleware


def _view(request):
    return HttpResponse("here")


# A URLconf with language prefixes (this module, set as request.urlconf): Django's own behaviour.
urlpatterns = i18n_patterns(path("here/", _view, name="here"))

READERS = {
    "no preference": {},
    "english": {"HTTP_ACCEPT_LANGUAGE": "en"},
    "traditional chinese, by region": {"HTTP_ACCEPT_LANGUAGE": "zh-TW,zh;q=0.8"},
    "unknown language": {"HTTP_ACCEPT_LANGUAGE": "fr-FR"},
    "weighted": {"HTTP_ACCEPT_LANGUAGE": "fr;q=0.9, en;q=0.8, zh-Hant;q=0.95"},
    "cookie": {"HTTP_COOKIE": "django_language=en", "HTTP_ACCEPT_LANGUAGE": "zh-hant"},
    "bad cookie": {"HTTP_COOKIE": "django_language=xx", "HTTP_ACCEPT_LANGUAGE": "en"},
}
PATHS = ["/api/v1/carriers/swift-express/events/", "/en/orders/", "/zh-hant/", "/orders/NOPE/", "/here/"]


def _answer(middleware_class, rf, address: str, meta: dict, status: int, urlconf: str | None):
    seen = {}

    def view(request):
        seen["language"] = request.LANGUAGE_CODE
        seen["active"] = translation.get_language()
        return HttpResponse(status=status)

    request = rf.post(address, **meta)
    if urlconf:
        request.urlconf = urlconf
    with translation.override(None):
        response = middleware_class(view)(request)
    headers = {name: response.get(name) for name in ("Vary", "Content-Language", "Location")}
    return seen, response.status_code, headers


@pytest.mark.parametrize("urlconf", [None, __name__], ids=["project", "with language prefixes"])
@pytest.mark.parametrize("status", [200, 404])
@pytest.mark.parametrize("address", PATHS)
@pytest.mark.parametrize("reader", READERS)
def test_the_same_answer_as_djangos(rf, reader, address, status, urlconf):
    ours = _answer(LocaleMiddleware, rf, address, READERS[reader], status, urlconf)
    django = _answer(DjangoLocaleMiddleware, rf, address, READERS[reader], status, urlconf)

    assert ours == django


def test_the_callback_reader_keeps_their_language(rf):
    seen, status, headers = _answer(
        LocaleMiddleware, rf, "/api/v1/carriers/swift-express/events/", READERS["english"], 401, None
    )

    assert seen == {"language": "en", "active": "en"}
    assert headers == {"Vary": "Accept-Language", "Content-Language": "en", "Location": None}


def test_a_urlconf_with_language_prefixes_still_redirects(rf):
    _seen, status, headers = _answer(LocaleMiddleware, rf, "/here/", READERS["english"], 404, __name__)

    assert (status, headers["Location"]) == (302, "/en/here/")
