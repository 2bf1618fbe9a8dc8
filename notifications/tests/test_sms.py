"""SMS (DESIGN §9): the provider's registered templates with variables under the sign name, sent to
a local HTTP server playing the provider; the action-notice rule."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from delivery.services import Outcome, message_deliver
from delivery.tasks import messages_sweep
from notifications.backends.sms import HttpSmsBackend, is_sms_mobile
from notifications.errors import DeliveryError, PermanentDeliveryError
from notifications.models import ChannelCode, Delivery, DeliveryStatus, Kind
from notifications.services import notify
from notifications.tests.servers import Answer, LocalServer
from orders.models import PickupException
from orders.tests.factories import OrderFactory
from tests.factories import UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
TEMPLATES = {
    "pickup_exception": "SMS_1001",
    "pickup_exception.en": "SMS_2001",
    "accepted": "SMS_1002",
    "expired": "SMS_1003",
    "dispatch_failed": "SMS_1005",
    "restriction_applied": "SMS_1004",
}


@pytest.fixture
def provider(db, settings):
    with LocalServer() as server:
        settings.NOTIFICATIONS_SMS_BACKEND = "notifications.backends.sms.HttpSmsBackend"
        settings.NOTIFICATIONS_SMS_URL = f"{server.url}/sms/send"
        settings.NOTIFICATIONS_SMS_KEY = "sms-key-1"
        settings.NOTIFICATIONS_SMS_SIGN_NAME = "上门快递"
        settings.NOTIFICATIONS_SMS_TEMPLATES = TEMPLATES
        yield server


def _sms() -> Delivery:
    return Delivery.objects.get(channel=ChannelCode.SMS)


def _exception_order(user):
    return OrderFactory(
        user=user,
        status="accepted",
        exception_code=PickupException.UNREACHABLE,
        deadline=datetime(2026, 11, 24, 0, 0, tzinfo=SHANGHAI),
    )


def test_a_pickup_exception_goes_by_sms_as_the_template_with_its_variables(
    provider, django_capture_on_commit_callbacks
):
    # The user never turned SMS on: an action notice goes by SMS all the same.
    user = UserFactory(phone="+8613800138000", language="zh-hans")
    order = _exception_order(user)

    with django_capture_on_commit_callbacks(execute=True):
        notify(user=user, kind=Kind.PICKUP_EXCEPTION, order=order)

    [request] = provider.received
    assert (request.method, request.path) == ("POST", "/sms/send")
    assert request.headers["authorization"] == "Bearer sms-key-1"
    assert request.json() == {
        "phone": "+8613800138000",
        "sign_name": "上门快递",
        "template_id": "SMS_1001",
        "params": {
            "number": order.number,
            "problem": "暂未联系上您（无人接听/无法接通/关机）",
            "deadline": "2026-11-24 00:00",
        },
    }
    assert (_sms().status, _sms().attempts) == (DeliveryStatus.SENT, 1)


def test_the_template_and_its_variables_are_in_the_recipients_language(
    provider, django_capture_on_commit_callbacks
):
    user = UserFactory(phone="+85291234567", language="en")  # a Hong Kong mobile
    order = _exception_order(user)

    with django_capture_on_commit_callbacks(execute=True), time_machine.travel(timezone.now()):
        notify(user=user, kind=Kind.PICKUP_EXCEPTION, order=order)

    [request] = provider.received
    assert request.json()["template_id"] == "SMS_2001"
    assert (
        request.json()["params"]["problem"]
        == "the courier could not reach you (no answer, unreachable or phone off)"
    )
    assert request.json()["phone"] == "+85291234567"


@pytest.mark.parametrize(
    ("kind", "chosen", "channels"),
    [
        (Kind.PICKUP_EXCEPTION, False, ["in_app", "sms"]),
        (Kind.DISPATCH_FAILED, False, ["in_app", "sms"]),
        (Kind.EXPIRED, False, ["in_app", "sms"]),
        (Kind.RESTRICTION_APPLIED, False, ["in_app", "sms"]),
        (Kind.ACCEPTED, False, ["in_app"]),
        (Kind.SIGNED, False, ["in_app"]),
        (Kind.SIGNED, True, ["in_app", "sms"]),
        (Kind.SERVICE_FEE_ANNOUNCEMENT, True, ["in_app", "sms"]),
    ],
)
def test_action_notices_always_go_by_sms_the_others_as_chosen(db, kind, chosen, channels):
    user = UserFactory(phone="+8613800138000", notification_channels={"sms": chosen, "email": True})
    context = {
        Kind.RESTRICTION_APPLIED: {"scope": "ordering"},
        Kind.SERVICE_FEE_ANNOUNCEMENT: {"amount": "1.00", "effective_at": "2027-01-01T00:00:00+08:00"},
    }.get(kind)
    order = (
        None if kind in (Kind.RESTRICTION_APPLIED, Kind.SERVICE_FEE_ANNOUNCEMENT) else OrderFactory(user=user)
    )

    notice = notify(user=user, kind=kind, order=order, context=context)

    # No e-mail address, so no e-mail although chosen.
    assert sorted(Delivery.objects.of(notice).values_list("channel", flat=True)) == channels


def test_no_sms_without_a_mainland_or_hong_kong_mobile(db):
    macau = UserFactory(phone="+85366123456")
    landline = UserFactory(phone="+861062345678")
    for user in (macau, landline):
        notice = notify(user=user, kind=Kind.EXPIRED, order=OrderFactory(user=user))
        assert list(Delivery.objects.of(notice).values_list("channel", flat=True)) == ["in_app"]


def test_sms_is_not_sent_when_the_installation_turns_it_off(db, settings):
    settings.NOTIFICATIONS_CHANNELS = ["email"]
    user = UserFactory(phone="+8613800138000")
    notice = notify(user=user, kind=Kind.EXPIRED, order=OrderFactory(user=user))
    assert list(Delivery.objects.of(notice).values_list("channel", flat=True)) == ["in_app"]


@pytest.mark.parametrize(
    ("phone", "mobile"),
    [
        ("+8613800138000", True),
        ("+85291234567", True),
        ("+85221234567", False),  # a Hong Kong landline
        ("+861062345678", False),
        ("+85366123456", False),
        ("", False),
        ("not a number", False),
    ],
)
def test_which_numbers_get_sms(phone, mobile):
    assert is_sms_mobile(phone) is mobile


def test_e164_numbers_read_without_the_parser_get_the_parsers_answer():
    # +86 / +852 numbers in E.164 (how accounts keep them) skip phonenumbers.parse; every one of
    # these must be judged exactly as the parser's reading judges it.
    import random

    import phonenumbers

    def parsed(phone):
        number = phonenumbers.parse(phone, "CN")
        return phonenumbers.region_code_for_number(number) in ("CN", "HK") and phonenumbers.number_type(
            number
        ) in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)

    chance = random.Random(17)
    phones = [
        f"+{code}{chance.randint(1, 9)}{chance.randrange(10 ** (length - 1)):0{length - 1}d}"
        for code in ("86", "852")
        for length in range(5, 15)
        for _ in range(400)
    ]
    # Every mainland mobile prefix 13x–19x and Hong Kong's 4–9 leading digits, at their real lengths.
    phones += [
        f"+861{second}{third}{chance.randrange(10**8):08d}" for second in range(10) for third in range(10)
    ]
    phones += [f"+852{first}{chance.randrange(10**7):07d}" for first in range(1, 10)]
    answers = {phone: is_sms_mobile(phone) for phone in phones}
    assert answers == {phone: parsed(phone) for phone in phones}
    assert 100 < sum(answers.values()) < len(phones)  # both answers occur


def test_a_provider_outage_is_retried_until_it_delivers(provider, django_capture_on_commit_callbacks):
    provider.answers = [Answer(503), Answer(200, {"code": "OK", "message": "sent"})]
    user = UserFactory(phone="+8613800138000")
    order = OrderFactory(user=user, status="dispatching")

    with time_machine.travel(timezone.now(), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            notify(user=user, kind=Kind.DISPATCH_FAILED, order=order)
        assert (_sms().status, _sms().attempts, _sms().last_error) == (
            DeliveryStatus.PENDING,
            1,
            "SMS provider answered 503",
        )
        clock.shift(timedelta(seconds=30))
        with django_capture_on_commit_callbacks(execute=True):
            assert messages_sweep() == 1

    assert (_sms().status, _sms().attempts, _sms().last_error) == (DeliveryStatus.SENT, 2, "")
    assert len(provider.received) == 2
    assert provider.received[0].body == provider.received[1].body
    # Sent: no sweep or repeated task sends it again.
    assert message_deliver(message_id=_sms().pk) == Outcome.SKIPPED
    assert len(provider.received) == 2


def test_a_refusal_by_the_provider_is_final(provider, django_capture_on_commit_callbacks):
    provider.answers = [Answer(200, {"code": "isv.MOBILE_NUMBER_ILLEGAL", "message": "bad number"})]
    user = UserFactory(phone="+8613800138000")

    with django_capture_on_commit_callbacks(execute=True):
        notify(user=user, kind=Kind.EXPIRED, order=OrderFactory(user=user, status="expired"))

    assert (_sms().status, _sms().attempts, _sms().last_error) == (
        DeliveryStatus.FAILED,
        1,
        "SMS provider refused it: isv.MOBILE_NUMBER_ILLEGAL bad number",
    )


def test_http_backend_answers(provider):
    backend = HttpSmsBackend()
    send = {"phone": "+8613800138000", "template": "accepted", "params": {"number": "C1"}, "text": "x"}
    provider.answers = [Answer(429), Answer(400, {"message": "bad sign"}), Answer(204)]

    with pytest.raises(DeliveryError, match="^SMS provider answered 429$"):
        backend.send(**send, language="zh-hans")
    with pytest.raises(PermanentDeliveryError, match="^SMS provider refused it: 400 bad sign$"):
        backend.send(**send, language="zh-hans")
    backend.send(**send, language="zh-hant")
    assert [r.json()["template_id"] for r in provider.received] == ["SMS_1002"] * 3

    with pytest.raises(PermanentDeliveryError, match="^no SMS template is configured for 'signed'$"):
        backend.send(**{**send, "template": "signed"}, language="en")
    assert len(provider.received) == 3


def test_http_backend_needs_a_url(settings):
    settings.NOTIFICATIONS_SMS_URL = ""
    with pytest.raises(PermanentDeliveryError, match="NOTIFICATIONS_SMS_URL is not set"):
        HttpSmsBackend().send(phone="+8613800138000", template="expired", params={}, text="x", language="en")


def test_an_unreachable_provider_is_worth_another_attempt(settings):
    with LocalServer() as server:
        url = f"{server.url}/sms/send"
    settings.NOTIFICATIONS_SMS_URL = url  # the server is gone: connection refused
    with pytest.raises(DeliveryError, match="^URLError"):
        HttpSmsBackend(templates=TEMPLATES).send(
            phone="+8613800138000", template="expired", params={}, text="x", language="en"
        )
