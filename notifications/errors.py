"""The two ways a channel fails (shared by the channels and their provider backends)."""


class DeliveryError(Exception):
    """The channel could not deliver now; a later attempt may succeed."""


class PermanentDeliveryError(DeliveryError):
    """The channel can never deliver this notice (no address, refused by the provider)."""
