"""Celery tasks of orders: thin, by id, safe to run twice (STYLE "Background work").

The beat schedule that runs the periodic ones is ``CELERY_BEAT_SCHEDULE`` in the settings; each has
a management command doing the same job by hand.
"""

from __future__ import annotations

from celery import shared_task

from orders.services import expiry


@shared_task(ignore_result=True)
def expire_orders() -> int:
    """Periodic (00:00 Asia/Shanghai): expire every order past its deadline (``expire_orders``)."""
    return expiry.orders_expire_due()
