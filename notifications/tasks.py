"""Celery tasks of notifications: thin, by id, safe to run twice (STYLE "Background work")."""

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval

from notifications import services

BACKOFF_FACTOR = 30  # seconds: 30, 60, 120, … with full jitter
BACKOFF_MAX = 3600


# The cap on attempts lives in the delivery row (services.max_attempts), not in Celery, so a
# re-queued delivery cannot be tried forever.
@shared_task(bind=True, ignore_result=True, max_retries=None, acks_late=True)
def deliver(self, delivery_id: int) -> str:
    outcome = services.delivery_attempt(delivery_id=delivery_id)
    if outcome == services.Outcome.RETRY:
        countdown = get_exponential_backoff_interval(
            factor=BACKOFF_FACTOR, retries=self.request.retries, maximum=BACKOFF_MAX, full_jitter=True
        )
        raise self.retry(countdown=countdown)
    return outcome.value


@shared_task(ignore_result=True)
def requeue_stale_deliveries() -> int:
    """Periodic: queue deliveries a broker outage or a dead worker left pending."""
    return services.deliveries_requeue_stale()
