"""Order services (writes). Import from the submodules: ``lifecycle`` (status changes, cancel,
delete), ``booking`` (placing an order), ``clock`` (the platform's day boundaries)."""
