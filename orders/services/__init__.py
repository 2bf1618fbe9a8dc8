"""Order services (writes). Import from the submodules: ``lifecycle`` (status changes),
``cancellation`` (cancel, expire, delete), ``booking`` (placing an order), ``clock`` (the
platform's day boundaries)."""
