"""The embedded broker (no Redis needed): kombu's filesystem transport, with every message written
whole before a worker can see it.

kombu's own transport creates a message's file in the folder the workers read and then writes it,
so a worker polling its queues can take the file in between, read nothing and stop ("Unrecoverable
error: JSONDecodeError"); the more queues a worker polls, the likelier. Here the message is written
under a name no queue matches (a leading dot) and renamed into place, which is atomic within one
folder. The settings make it the transport of ``filesystem://`` URLs.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        # The name kombu gives a message (its readers sort and match on it).
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        partial = os.path.join(self.data_folder_out, f".{name}.part")
        try:
            with open(partial, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(partial, os.path.join(self.data_folder_out, name))
        except OSError as error:
            raise ChannelError(f"Cannot add file {name!r} to directory") from error


class Transport(filesystem.Transport):
    Channel = Channel
