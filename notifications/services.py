"""Writes of notifications: the one service every module calls to tell a user something (DESIGN §9).

``notify`` creates the in-app notice (the inbox row) at once and a ``Delivery`` per other channel;
those are messages of the delivery engine, sent by ``delivery.tasks.deliver`` after the caller's
transaction commits, so a rolled-back status change never e-mails anyone. A channel that fails is
retried with the engine's backoff until ``NOTIFICATIONS_MAX_ATTEMPTS``, then left ``failed`` for the
admin's retry. ``notify_many`` and ``notify_orders`` do the same
set-based, for announcements to every user and for batch jobs such as the midnight expiry.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from delivery.bulk import rows_insert
from delivery.models import Message
from delivery.registry import (
    Delivered,
    FailedForGood,
    Result,
    RetryLater,
    event_types_declare,
    sender_register,
)
from delivery.services import Draft, messages_add, messages_insert
from delivery.tasks import messages_queue_on_commit
from notifications.backends.sms import is_sms_mobile
from notifications.channels import PermanentDeliveryError, get_channel
from notifications.language import user_language
from notifications.models import (
    ChannelCode,
    DeliveryStatus,
    Kind,
    Notification,
    PushSubscription,
    WechatBinding,
    notification_id_of,
    notification_subject,
)
from notifications.texts import ACTION_KINDS, ORDER_KINDS, SMS_ALWAYS_KINDS, render, render_in_batch

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
DEDUPE_KEY_MAX = 200


def max_attempts() -> int:
    """How many times a channel is tried before its delivery stays ``failed``."""
    return getattr(settings, "NOTIFICATIONS_MAX_ATTEMPTS", 5)


# What a user who never chose gets; the same defaults as ``accounts.models.NOTIFICATION_CHANNEL_DEFAULTS``.
_CHANNEL_DEFAULTS = {"email": True, "sms": False, "push": False, "wechat": False}


def channels_active() -> frozenset[str]:
    """The channels this installation sends on (``NOTIFICATIONS_CHANNELS``); in-app always."""
    return frozenset({ChannelCode.IN_APP.value, *settings.NOTIFICATIONS_CHANNELS})


def channels_for(*, user, kind: str, reachable: Mapping[str, set[int]] | None = None) -> list[str]:
    """The channels a notice goes out on (DESIGN §9), among the active ones:

    - in-app, always;
    - SMS to a mainland or Hong Kong mobile for the kinds that need action (``SMS_ALWAYS_KINDS``:
      pickup exception, dispatch failed, expiry, restriction), whatever the user chose;
    - otherwise the channels the user chose (``User.notification_channels``, on the account page and
      ``PATCH /api/v1/me/``) for which they have an address: an e-mail address, a mobile, a push
      subscription, a bound WeChat (``reachable``: user ids per channel, from ``users_reachable``).
    """
    active = channels_active()
    chosen = {**_CHANNEL_DEFAULTS, **(getattr(user, "notification_channels", None) or {})}
    channels = [ChannelCode.IN_APP.value]
    if "email" in active and getattr(user, "email", None) and chosen["email"]:
        channels.append(ChannelCode.EMAIL.value)
    wants_sms = kind in SMS_ALWAYS_KINDS or chosen["sms"]
    if "sms" in active and wants_sms and is_sms_mobile(getattr(user, "phone", None)):
        channels.append(ChannelCode.SMS.value)
    if reachable is None:
        reachable = users_reachable(user_ids=[user.pk])
    for code in (ChannelCode.PUSH.value, ChannelCode.WECHAT.value):
        if code in active and chosen.get(code) and user.pk in reachable.get(code, ()):
            channels.append(code)
    return channels


def users_reachable(*, user_ids: Iterable[int]) -> dict[str, set[int]]:
    """Which of the users have a push subscription / a bound WeChat; a query per active channel."""
    active, user_ids = channels_active(), list(user_ids)
    reachable: dict[str, set[int]] = {}
    if ChannelCode.PUSH.value in active:
        reachable[ChannelCode.PUSH.value] = set(
            PushSubscription.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True)
        )
    if ChannelCode.WECHAT.value in active:
        reachable[ChannelCode.WECHAT.value] = set(
            WechatBinding.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True)
        )
    return reachable


def dedupe_key_for(*, kind: str, order=None, source: Any = "") -> str:
    """A stable key for "this notice about this order, caused by this source event".

    ``source`` is whatever identifies the cause: a carrier webhook id, an order event id, the date
    of an expiry run. Keys are unique per user.
    """
    parts = [f"order:{order.pk}"] if order is not None else []
    parts.append(str(kind))
    if source not in (None, ""):
        parts.append(str(source))
    key = ":".join(parts)
    if len(key) > DEDUPE_KEY_MAX:
        key = f"{str(kind)[:40]}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"
    return key


@dataclass
class _Draft:
    user: Any
    kind: str
    title: str
    body: str
    order: Any = None
    requires_action: bool = False
    data: Mapping[str, Any] | None = None
    dedupe_key: str | None = None


def _check_kind(kind: str) -> str:
    try:
        return Kind(kind).value
    except ValueError:
        raise ValueError(f"unknown notification kind {kind!r}") from None


def check_broadcast_kind(kind: str) -> str:
    """``kind`` if the same notice can go to many users (not one about an order)."""
    kind = _check_kind(kind)
    if kind in ORDER_KINDS:
        raise ValueError(f"{kind} notices are about one order: use notify or notify_orders")
    return kind


def _render(*, user, kind: str, order, title, body, context) -> tuple[str, str]:
    """Title and body in the user's language; caller-supplied (possibly lazy) text wins."""
    with translation.override(user_language(user)):
        if title is None or body is None:
            default_title, default_body = render(kind=kind, order=order, context=context)
        return (
            str(title) if title is not None else default_title,
            str(body) if body is not None else default_body,
        )


class _LenientEncoder(DjangoJSONEncoder):
    def default(self, o):
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def _json_safe(context: Mapping[str, Any] | None) -> dict:
    """The context as stored: plain JSON (datetimes as ISO text, lazy strings and the rest as text),
    so an odd value can never break the caller's transaction."""
    return json.loads(json.dumps(dict(context or {}), cls=_LenientEncoder))


def notify(
    *,
    user,
    kind: str,
    order=None,
    title: str | None = None,
    body: str | None = None,
    context: Mapping[str, Any] | None = None,
    requires_action: bool | None = None,
    dedupe_key: str | None = None,
) -> Notification | None:
    """Tell ``user`` something: an in-app notice now, other channels after commit.

    Returns ``None`` and creates nothing when the user deleted the order (DESIGN §3.2 "no further
    notices"), when the order has no user any more, or when a notice with ``dedupe_key`` exists.
    ``title`` / ``body`` override the kind's texts (see ``notifications.texts`` for the context each
    kind reads); ``requires_action`` defaults to true for pickup exceptions and expiry.
    """
    kind = _check_kind(kind)
    if order is not None:
        if order.user_id is None or order.hidden_by_user_at is not None:
            return None
        if user is None:
            user = order.user
        elif order.user_id != user.pk:
            raise ValueError("a notice about an order goes to the order's owner")
    elif kind in ORDER_KINDS and (title is None or body is None):
        raise ValueError(f"a {kind} notice needs its order")
    if user is None:
        return None
    if dedupe_key and Notification.objects.filter(user=user, dedupe_key=dedupe_key).exists():
        return None
    rendered_title, rendered_body = _render(
        user=user, kind=kind, order=order, title=title, body=body, context=context
    )
    draft = _Draft(
        user=user,
        kind=kind,
        title=rendered_title,
        body=rendered_body,
        order=order,
        requires_action=kind in ACTION_KINDS if requires_action is None else requires_action,
        data=context,
        dedupe_key=dedupe_key or None,
    )
    try:
        with transaction.atomic():
            created = _create([draft], bulk=False)
    except IntegrityError:  # a concurrent writer created the same (user, dedupe_key) first
        return None
    return created[0]


def notify_many(
    *,
    users: Iterable,
    kind: str,
    title: str | None = None,
    body: str | None = None,
    context: Mapping[str, Any] | None = None,
    requires_action: bool | None = None,
    dedupe_key: str | None = None,
) -> int:
    """The same notice to many users (agreement updates, service-fee announcements), set-based.

    Texts are rendered once per language; rows are written with ``bulk_create`` in batches. With a
    ``dedupe_key`` (e.g. ``"agreement_updated:v2"``) a second run skips users who already have it.
    Returns how many notices were created.
    """
    kind = check_broadcast_kind(kind)
    action = kind in ACTION_KINDS if requires_action is None else requires_action
    texts: dict[str, tuple[str, str]] = {}
    created = 0
    for batch in _batches(_user_rows(users)):
        drafts = []
        for user in batch:
            language = user_language(user)
            if language not in texts:
                texts[language] = _render(
                    user=user, kind=kind, order=None, title=title, body=body, context=context
                )
            drafts.append(
                _Draft(
                    user=user,
                    kind=kind,
                    title=texts[language][0],
                    body=texts[language][1],
                    requires_action=action,
                    data=context,
                    dedupe_key=dedupe_key or None,
                )
            )
        created += _create_batch(drafts)
    return created


def notify_orders(
    *,
    orders: Iterable,
    kind: str,
    context: Mapping[str, Any] | None = None,
    source: Any = "",
    requires_action: bool | None = None,
    unsent: list | None = None,
) -> int:
    """One notice per order to its owner, set-based (e.g. the midnight expiry job).

    Orders deleted by their user or without one are skipped. Each notice is keyed by
    ``dedupe_key_for(kind=kind, order=order, source=source)``, so a repeated run creates nothing.
    Pass orders with ``select_related("user")``. Returns how many notices were created.

    With ``unsent`` (a list), the deliveries still to send are appended to it as (id, channel) and
    the caller queues them after commit (a batch job hands the engine one task per batch); without it
    each is queued after commit here.
    """
    kind = _check_kind(kind)
    action = kind in ACTION_KINDS if requires_action is None else requires_action
    create = _insert_batch if connection.vendor == "postgresql" else _create_batch
    created = 0
    for batch in _batches(o for o in orders if o.user_id is not None and o.hidden_by_user_at is None):
        # Each text names its order, but the language is switched once per language, not per order.
        by_language: dict[str, list[int]] = {}
        for position, order in enumerate(batch):
            by_language.setdefault(user_language(order.user), []).append(position)
        texts: list[tuple[str, str]] = [("", "")] * len(batch)
        for language, positions in by_language.items():
            cache: dict = {}
            with translation.override(language):
                for position in positions:
                    texts[position] = render_in_batch(
                        kind=kind, order=batch[position], context=context, cache=cache
                    )
        drafts = [
            _Draft(
                user=order.user,
                kind=kind,
                title=title,
                body=body,
                order=order,
                requires_action=action,
                data=context,
                dedupe_key=dedupe_key_for(kind=kind, order=order, source=source),
            )
            for order, (title, body) in zip(batch, texts, strict=True)
        ]
        created += create(drafts, unsent=unsent)
    return created


def notifications_erase(*, user, needles: set[str] | None = None, by=None) -> int:
    """Account deletion (DESIGN §6, one of ``ACCOUNT_DATA_ERASERS``): the user's notices and every
    delivery of them, sent or not, so nothing is sent to a deleted account. Returns how many
    notices were deleted."""
    PushSubscription.objects.filter(user=user).delete()
    WechatBinding.objects.filter(user=user).delete()
    ids = list(Notification.objects.filter(user=user).values_list("pk", flat=True))
    Message.objects.filter(
        channel__in=ChannelCode.values, subject__in=[notification_subject(pk) for pk in ids]
    ).delete()
    return Notification.objects.filter(pk__in=ids).delete()[1].get(Notification._meta.label, 0)


def notifications_mark_read(*, user, ids: Iterable[int] | None) -> int:
    """Mark the user's notices read: those in ``ids`` (others' ids are ignored), or all if None.

    Returns how many were unread and are now read.
    """
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


# --- creating rows -----------------------------------------------------------------------------


# What choosing channels and the language reads of a user: all a batch of recipients loads.
USER_FIELDS = ("pk", "email", "phone", "language", "notification_channels")


def _user_rows(users: Iterable) -> Iterable:
    if hasattr(users, "only") and hasattr(users, "iterator"):  # a QuerySet: stream the few columns
        return users.only(*USER_FIELDS).iterator(chunk_size=BATCH_SIZE)
    return users


def _batches(items: Iterable, size: int = BATCH_SIZE) -> Iterable[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _create_batch(drafts: list[_Draft], *, unsent: list | None = None) -> int:
    """Create a batch, skipping notices whose (user, dedupe_key) exists; one by one on a race."""
    keyed = {(d.user.pk, d.dedupe_key) for d in drafts if d.dedupe_key}
    if keyed:
        existing = set(
            Notification.objects.filter(
                user_id__in={user_id for user_id, _key in keyed},
                dedupe_key__in={key for _user_id, key in keyed},
            ).values_list("user_id", "dedupe_key")
        )
        drafts = [d for d in drafts if (d.user.pk, d.dedupe_key) not in existing]
    if not drafts:
        return 0
    try:
        with transaction.atomic():
            return len(_create(drafts, bulk=True, unsent=unsent))
    except IntegrityError:  # another run created some of them meanwhile: fall back to one by one
        count = 0
        for draft in drafts:
            try:
                with transaction.atomic():
                    count += len(_create([draft], bulk=False, unsent=unsent))
            except IntegrityError:
                continue
        return count


def _create(drafts: Sequence[_Draft], *, bulk: bool, unsent: list | None = None) -> list[Notification]:
    now = timezone.now()
    notifications = [
        Notification(
            user=d.user,
            kind=d.kind,
            title=d.title[:200],
            body=d.body,
            order=d.order,
            requires_action=d.requires_action,
            data=_json_safe(d.data),
            dedupe_key=d.dedupe_key,
            created_at=now,
        )
        for d in drafts
    ]
    if bulk and connection.features.can_return_rows_from_bulk_insert:
        Notification.objects.bulk_create(notifications)
    else:
        for notification in notifications:
            notification.save()
    reachable = users_reachable(user_ids={n.user_id for n in notifications})
    drafts = [
        delivery_draft(
            notification=notification,
            channel=channel,
            # The inbox row is the in-app delivery: it is delivered by existing.
            sent=channel == ChannelCode.IN_APP,
        )
        for notification in notifications
        for channel in channels_for(user=notification.user, kind=notification.kind, reachable=reachable)
    ]
    deliveries = messages_add(drafts=drafts, now=now)
    pending = [(d.pk, d.channel) for d in deliveries if d.status == DeliveryStatus.PENDING]
    if unsent is None:
        # A batch (a broadcast) is sent by one task per batch, not one per message.
        messages_queue_on_commit([pk for pk, _channel in pending], per_task=BATCH_SIZE if bulk else 1)
    else:
        unsent.extend(pending)
    return notifications


def _insert_batch(drafts: list[_Draft], *, unsent: list | None = None) -> int:
    """:func:`_create_batch` for a batch job on PostgreSQL, from plain values: the notices in one
    ``INSERT`` that skips each whose (user, dedupe_key) exists, committed or being written by a
    concurrent run (``ON CONFLICT DO NOTHING``), then the deliveries of those written in another."""
    now = timezone.now()
    written = rows_insert(
        model=Notification,
        fields=_NOTICE_COLUMNS,
        rows=[
            (
                d.user.pk,
                d.kind,
                d.title[:200],
                d.body,
                d.order.pk if d.order is not None else None,
                d.requires_action,
                _json_safe(d.data),
                d.dedupe_key,
                now,
            )
            for d in drafts
        ],
        returning=("id", "user", "dedupe_key"),
        ignore_conflicts=True,
    )
    ids = {(user_id, key): pk for pk, user_id, key in written}
    notices = [(ids[d.user.pk, d.dedupe_key], d) for d in drafts if (d.user.pk, d.dedupe_key) in ids]
    reachable = users_reachable(user_ids={d.user.pk for _pk, d in notices})
    deliveries = messages_insert(
        drafts=[
            _delivery_draft(
                notification_id=pk,
                user_id=d.user.pk,
                kind=d.kind,
                channel=channel,
                sent=channel == ChannelCode.IN_APP,
            )
            for pk, d in notices
            for channel in channels_for(user=d.user, kind=d.kind, reachable=reachable)
        ],
        now=now,
    )
    pending = [(pk, channel) for pk, status, channel in deliveries if status == DeliveryStatus.PENDING]
    if unsent is None:
        messages_queue_on_commit([pk for pk, _channel in pending], per_task=BATCH_SIZE)
    else:
        unsent.extend(pending)
    return len(notices)


# What :func:`_insert_batch` writes of a notice, in its order.
_NOTICE_COLUMNS = (
    "user",
    "kind",
    "title",
    "body",
    "order",
    "requires_action",
    "data",
    "dedupe_key",
    "created_at",
)


def delivery_draft(*, notification: Notification, channel: str, sent: bool = False) -> Draft:
    """The delivery engine's message for one channel of one notice; its text is read from the
    notice when it is sent, so nothing personal is copied into the message."""
    return _delivery_draft(
        notification_id=notification.pk,
        user_id=notification.user_id,
        kind=notification.kind,
        channel=channel,
        sent=sent,
    )


def _delivery_draft(*, notification_id: int, user_id: int, kind: str, channel: str, sent: bool) -> Draft:
    return Draft(
        channel=ChannelCode(channel).value,
        event_type=kind,
        subject=notification_subject(notification_id),
        recipient=str(user_id),
        sent=sent,
    )


# --- sending -----------------------------------------------------------------------------------


def delivery_send(message: Message) -> Result:
    """The delivery engine's sender for every notification channel: one attempt on one channel."""
    notification = (
        Notification.objects.select_related("user", "order")
        .filter(pk=notification_id_of(message.subject))
        .first()
    )
    if notification is None:
        return FailedForGood("the notice no longer exists")
    try:
        get_channel(message.channel).send(notification)
    except PermanentDeliveryError as error:
        return FailedForGood(str(error) or type(error).__name__)
    except Exception as error:  # noqa: BLE001  (any channel failure is worth another attempt)
        return RetryLater(str(error) or type(error).__name__)
    return Delivered()


def senders_register() -> None:
    """Register every notification channel with the delivery engine (``AppConfig.ready``)."""
    for channel in ChannelCode.values:
        sender_register(
            channel=channel,
            send=delivery_send,
            max_attempts=max_attempts,
            queue=lambda: settings.QUEUE_NOTIFICATIONS,
        )
        event_types_declare(channel=channel, event_types=Kind.values)
