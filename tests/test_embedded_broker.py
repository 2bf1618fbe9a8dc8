"""The embedded broker (``courier_platform.broker``): a worker never reads a message half-written."""

import os
from queue import Empty

import pytest
from django.conf import settings
from kombu import Connection

from courier_platform import broker


@pytest.fixture
def channel(tmp_path):
    folder = str(tmp_path)
    with Connection(
        "filesystem://localhost/",
        transport=broker.Transport,
        transport_options={"data_folder_in": folder, "data_folder_out": folder},
    ) as connection:
        yield connection.default_channel


def test_a_message_is_out_of_sight_until_it_is_written_whole(channel, monkeypatch, tmp_path):
    seen_while_writing = []
    replace = os.replace

    def reader_polls_first(source, target):
        # The moment between writing and renaming: a worker polling its queue finds nothing.
        assert os.path.getsize(source) > 0
        with pytest.raises(Empty):
            channel._get("carrier-messages")
        seen_while_writing.extend(os.listdir(tmp_path))
        replace(source, target)

    monkeypatch.setattr(broker.os, "replace", reader_polls_first)
    channel._put("carrier-messages", {"body": "a task"})

    [partial] = seen_while_writing
    assert partial.startswith(".") and partial.endswith(".carrier-messages.msg.part")
    assert channel._get("carrier-messages") == {"body": "a task"}
    assert os.listdir(tmp_path) == []


def test_the_embedded_default_uses_it():
    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        pytest.skip("a real broker is configured")
    from courier_platform.celery import app

    with app.connection_for_write() as connection:
        assert type(connection.transport) is broker.Transport
