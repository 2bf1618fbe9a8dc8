"""Celery tasks of operations."""

from celery import shared_task

from operations.services import heartbeat_record


@shared_task(ignore_result=True)
def beat_heartbeat() -> None:
    heartbeat_record(name="beat")
