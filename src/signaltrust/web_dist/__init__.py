"""The dashboard's built bundle (``make web`` writes it from ``web/``): ``index.html``,
``assets/`` and ``manifest.json`` (the hash of the sources it was built from). Data only: the
API serves it at ``/`` (:mod:`signaltrust.api.web`)."""
