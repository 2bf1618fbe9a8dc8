"""Project middleware: the request-size ceiling, the guard against NUL in the address, the
Content-Security-Policy header built once, the reader's language without a path lookup and the
request metrics with their labelled children looked up once."""

from __future__ import annotations

import functools
from urllib.parse import unquote

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.core.exceptions import RequestDataTooBig
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django_prometheus.middleware import PrometheusAfterMiddleware as DjangoPrometheusAfterMiddleware
from django_prometheus.utils import Time

from courier_platform import errors


class RequestSizeLimitMiddleware:
    """Refuse a body declared larger than ``REQUEST_MAX_BYTES`` before anything reads it.

    Django bounds the non-file part of a form (``DATA_UPLOAD_MAX_MEMORY_SIZE``) and the number of
    fields and files, but not the files' total; this is the ceiling for everything, uploads included.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BYTES:
            return errors.bad_request(request, RequestDataTooBig())
        return self.get_response(request)


class AddressGuardMiddleware:
    """Refuse an address with a NUL character in its path (404) or query string (400).

    PostgreSQL cannot store or compare text containing NUL, so any value taken from the address and
    handed to the ORM (an order number, an agreement version, ``?from=``) would end the request in
    a 500. Forms and API fields already refuse NUL; this covers what comes from the URL, once, for
    every view. The answers are the site's own: JSON under ``/api/``, pages elsewhere.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path_info:
            return errors.page_not_found(request)
        if "\x00" in unquote(request.META.get("QUERY_STRING", "")):
            return errors.bad_address(request)
        return self.get_response(request)


# What a view or decorator of django-csp may set on a response to change its policy.
_PER_RESPONSE_POLICY = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)
_CSP_SETTINGS = frozenset({"CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY"})


@functools.cache
def _settings_policies() -> tuple[tuple[str, str, str, tuple[str, ...]], ...]:
    """(header, value, exemption attribute, excluded path prefixes) of the enforced and the
    report-only policy, as django-csp builds them from the settings for an answer without a nonce."""
    return tuple(
        (
            header,
            build_policy(report_only=report_only),
            exempt,
            tuple((getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ()),
        )
        for header, report_only, exempt, setting in (
            (HEADER, False, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
            (HEADER_REPORT_ONLY, True, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
        )
    )


@receiver(setting_changed)
def _csp_settings_changed(*, setting: str, **kwargs) -> None:
    if setting in _CSP_SETTINGS:
        _settings_policies.cache_clear()


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the policy built once instead of on every answer.

    django-csp rebuilds the header from the settings for every response (a twentieth of a carrier
    callback's CPU). Without a nonce and without a policy of the response's own (django-csp's
    decorators) the value depends on the settings alone, so it is built once (again when the
    settings change); an answer whose request used its nonce, or that carries its own policy, is
    built by django-csp as before. The headers and the conditions for setting them are django-csp's.
    """

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in _PER_RESPONSE_POLICY
        ):
            return super().process_response(request, response)
        if response.status_code in (500, 404) and settings.DEBUG:
            return response  # django-csp leaves the debug pages alone
        for header, value, exempt, excluded in _settings_policies():
            if (
                value
                and header not in response
                and getattr(response, exempt, False) is False
                and not request.path_info.startswith(excluded)
            ):
                response[header] = value
        # As django-csp: a nonce asked for once the header is written would be in no header.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's, without looking for a language prefix in the path when no URL has one.

    Django's reads the path's first segment as a language code on the way in and again on the way
    out (``/api/…`` is looked up as the language "api", a miss that is never cached) even when the
    URLconf has no ``i18n_patterns``, where every use of the answer needs such patterns. The
    language is still the reader's (cookie, then ``Accept-Language``), and ``Vary`` and
    ``Content-Language`` are as Django sets them. A URLconf with ``i18n_patterns`` gets Django's own.
    """

    def process_request(self, request: HttpRequest) -> None:
        urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
        if is_language_prefix_patterns_used(urlconf)[0]:
            return super().process_request(request)
        translation.activate(translation.get_language_from_request(request, check_path=False))
        request.LANGUAGE_CODE = translation.get_language()
        return None

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
        if is_language_prefix_patterns_used(urlconf)[0]:
            return super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class PrometheusAfterMiddleware(DjangoPrometheusAfterMiddleware):
    """django-prometheus's, with the child of each label set looked up once per process.

    ``metric.labels(...)`` validates the values, turns them into text and takes the metric's lock
    on every call: nine times per answer. The children of the few label sets a process meets
    (method, transport, view, status, charset) are kept after the first lookup, so an answer only
    increments them. Same metrics, labels and values; nothing in the project removes a child
    (``remove`` / ``clear``), which would detach a kept one.
    """

    # A bound on what is kept, should clients send many different methods (a label of one metric).
    MAX_CHILDREN = 1000

    def __init__(self, get_response):
        super().__init__(get_response)
        self._children: dict[tuple, object] = {}

    def label_metric(self, metric, request, response=None, **labels):
        if not labels:
            return metric
        key = (metric, *labels.items())
        child = self._children.get(key)
        if child is None:
            child = metric.labels(**labels)
            if len(self._children) < self.MAX_CHILDREN:
                self._children[key] = child
        return child

    def process_request(self, request):
        # django-prometheus's, with the two headers read from the environ: request.headers would
        # convert every header's name first (the carrier callback has no other use for that map).
        meta = request.META
        transport = self._transport(request)
        method = self._method(request)
        self.label_metric(self.metrics.requests_by_method, request, method=method).inc()
        self.label_metric(self.metrics.requests_by_transport, request, transport=transport).inc()
        if meta.get("HTTP_X_REQUESTED_WITH") == "XMLHttpRequest":
            self.label_metric(self.metrics.requests_ajax, request).inc()
        content_length = int(meta.get("CONTENT_LENGTH") or 0)
        self.label_metric(self.metrics.requests_body_bytes, request).observe(content_length)
        request.prometheus_after_middleware_event = Time()
