"""Provider backends of the notification channels: what each channel speaks to the outside world
(an SMS provider, a Web Push service, the WeChat official-account API). Each one raises
``notifications.channels.DeliveryError`` for a failure worth retrying and
``PermanentDeliveryError`` for one that retrying cannot help; the delivery engine does the rest."""
