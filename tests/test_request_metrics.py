"""courier_platform.middleware.PrometheusAfterMiddleware counts as django-prometheus's does: the
same metrics move by the same amounts, label set by label set; it only keeps each child."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.urls import resolve
from django_prometheus.middleware import PrometheusAfterMiddleware as DjangoPrometheusAfterMiddleware
from prometheus_client import REGISTRY

from courier_platform.middleware import PrometheusAfterMiddleware

CALLBACK = "/api/v1/carriers/swift-express/events/"


def _samples() -> dict[tuple, float]:
    """Every django_http_* sample but the latencies' sums and buckets (they depend on the clock)."""
    found = {}
    for metric in REGISTRY.collect():
        for sample in metric.samples:
            if not sample.name.startswith("django_http_") or sample.name.endswith("_created"):
                continue
            if "latency" in sample.name and not sample.name.endswith("_count"):
                continue
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def _traffic(middleware_class, rf) -> dict[tuple, float]:
    """What a few answers (a callback twice, a 401, a 404, an odd method, an exception) add."""
    before = _samples()
    middleware = middleware_class(lambda request: HttpResponse())
    answers = [
        ("post", CALLBACK, 200, {}),
        ("post", CALLBACK, 200, {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}),
        ("post", CALLBACK, 401, {}),
        ("get", "/api/v1/agreement/", 404, {"secure": True}),
        ("generic", CALLBACK, 405, {}),
    ]
    for method, address, status, extra in answers:
        if method == "generic":
            request = rf.generic("PROPFIND", address)
        else:
            body = {"data": b"{}", "content_type": "application/json"} if method == "post" else {}
            request = getattr(rf, method)(address, **body, **extra)
        request.resolver_match = resolve(address)
        middleware.process_request(request)
        middleware.process_view(request, request.resolver_match.func, (), {})
        middleware.process_response(request, HttpResponse(b"{}", status=status))
    request = rf.post(CALLBACK)
    request.resolver_match = resolve(CALLBACK)
    middleware.process_request(request)
    middleware.process_exception(request, ValueError("boom"))
    after = _samples()
    return {key: after[key] - before.get(key, 0.0) for key in after if after[key] != before.get(key, 0.0)}


@pytest.mark.parametrize("rounds", [1, 2])
def test_the_same_counts_as_django_prometheus(
    rf, db, rounds
):  # db: the registry reads the platform figures too
    for _ in range(rounds):  # the second time, from the kept children
        theirs = _traffic(DjangoPrometheusAfterMiddleware, rf)
        ours = _traffic(PrometheusAfterMiddleware, rf)

        assert ours == theirs
        assert ours[("django_http_responses_total_by_status_total", (("status", "401"),))] == 1
        assert (
            ours[
                (
                    "django_http_requests_total_by_view_transport_method_total",
                    (("method", "POST"), ("transport", "http"), ("view", "api-carrier-events")),
                )
            ]
            == 3
        )
