"""carrier_event_validate answers exactly as CarrierEventSerializer does, whether an event of
plain text is checked without a serializer or anything else by the serializer: the same validated
event, the same field errors, for hundreds of valid and broken envelopes of every type."""

from __future__ import annotations

import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from rest_framework import serializers

from orders.api.carrier_serializers import CarrierEventSerializer, carrier_event_validate
from orders.event_registry import EVENT_TYPES

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
MISSING = object()

# A valid data of each type that is plain text, and of a few others the serializer checks.
DATA = {
    "order.dispatching": {},
    "order.in_transit": {"location": "深圳转运中心", "description": "已到达"},
    "order.exception_resolved": {"note": "已联系"},
    "order.problem": {"description": "外包装破损"},
    "order.cancelled": {"reason": "客户取消"},
    "order.contraband_found": {"category": "锂电池", "note": "已扣留"},
    "order.carrier_note": {"code": "607", "description": "到达网点"},
    "order.signed": {"signed_by": "本人"},
    "order.pickup_exception": {"code": "unreachable", "note": "电话未接"},
    "order.dispatch_failed": {"reason": "无人接单"},
}
PLAIN = {
    "order.dispatching",
    "order.in_transit",
    "order.exception_resolved",
    "order.problem",
    "order.cancelled",
    "order.contraband_found",
    "order.carrier_note",
}
TEXTS = [
    "",
    "   ",
    "  padded  ",
    "x" * 40,
    "x" * 41,
    "长" * 300,
    "长" * 301,
    "a\x00b",
    "a\ud800b",
    "\u3000全角空格\u3000",
]
ODD = [12, 1.5, True, None, [], {}, MISSING]


def _envelope(type_: str = "order.in_transit", **changes):
    envelope = {
        "order": "CP2611221000ABCD",
        "type": type_,
        "occurred_at": "2026-11-22T09:30:00+08:00",
        "data": dict(DATA.get(type_, {})),
    }
    for key, value in changes.items():
        if value is MISSING:
            envelope.pop(key, None)
        else:
            envelope[key] = value
    return envelope


def _with_data(type_: str, name: str, value):
    envelope = _envelope(type_)
    if value is MISSING:
        envelope["data"].pop(name, None)
    else:
        envelope["data"][name] = value
    return envelope


def _envelopes():
    for type_ in DATA:
        yield _envelope(type_)
        yield _envelope(type_, data=MISSING)
        yield _envelope(type_, data=None)
        yield _envelope(type_, data=[])
        yield _envelope(type_, data={**DATA[type_], "extra": "ignored"})
        for name, value in itertools.product(DATA[type_], TEXTS + ODD):
            yield _with_data(type_, name, value)
    for value in [*TEXTS, *ODD, " CP2611221000ABCD "]:
        yield _envelope(order=value)
    for value in ["order.unknown", "", " order.in_transit", 5, None, MISSING, *EVENT_TYPES]:
        yield _envelope(type=value)
    for value in [
        "2026-11-22T09:30:00Z",
        " 2026-11-22T09:30:00+08:00 ",
        "2026-11-22T09:30:00",
        "2026-11-22 09:30:00+08:00",
        "2026-11-22T10:04:59+08:00",
        "2026-11-22T10:05:01+08:00",
        "2026-11-22T09:30:00-16:45",
        "9999-12-31T23:59:59-23:59",
        "not a time",
        "",
        1764300000,
        None,
        MISSING,
    ]:
        yield _envelope(occurred_at=value)
    yield [_envelope()]
    yield "text"
    yield None


ENVELOPES = list(_envelopes())


def _serializers_answer(envelope):
    serializer = CarrierEventSerializer(data=envelope, context={"now": NOW})
    if serializer.is_valid():
        return serializer.validated_data, None
    return None, serializer.errors


@pytest.mark.parametrize("envelope", ENVELOPES, ids=[str(i) for i in range(len(ENVELOPES))])
def test_the_same_answer_as_the_serializer(envelope):
    assert carrier_event_validate(envelope, now=NOW) == _serializers_answer(envelope)


def test_there_are_valid_and_refused_envelopes_of_every_kind():
    answers = [carrier_event_validate(e, now=NOW) for e in ENVELOPES]
    valid = [v for v, _errors in answers if v is not None]

    assert len(ENVELOPES) > 300
    assert len(valid) > 50 and len(valid) < len(ENVELOPES) - 150
    assert {v["type"] for v in valid} >= set(DATA)


@pytest.fixture
def serializer_runs(monkeypatch) -> list[str]:
    """The serializers that validated something."""
    ran = []
    original = serializers.Serializer.run_validation

    def spy(self, data=serializers.empty):
        ran.append(type(self).__name__)
        return original(self, data)

    monkeypatch.setattr(serializers.Serializer, "run_validation", spy)
    return ran


@pytest.mark.parametrize("type_", sorted(DATA))
def test_a_valid_event_of_plain_text_needs_no_serializer(serializer_runs, type_):
    valid, errors = carrier_event_validate(_envelope(type_), now=NOW)

    assert errors is None and valid["data"] == DATA[type_]
    assert serializer_runs == ([] if type_ in PLAIN else ["CarrierEventSerializer", serializer_runs[1]])


def test_a_refused_event_is_worded_by_the_serializer(serializer_runs):
    with translation.override("en"):
        valid, errors = carrier_event_validate(_with_data("order.in_transit", "location", "x" * 201), now=NOW)

    assert valid is None
    assert errors == {"data": {"location": ["Ensure this field has no more than 200 characters."]}}
    assert "CarrierEventSerializer" in serializer_runs
