"""Webhooks: training jobs are told when a release is published or fails and when an import ends.

``models`` (endpoints, deliveries and their attempts), ``signing`` (the ``X-Dolly-Signature``
header), ``transport`` (one POST that cannot be turned against the site's own network),
``services`` (every write: register, send an event, attempt a delivery, redeliver),
``selectors`` (reads).  Releases and imports call ``services.webhook_event_send`` explicitly
where they finish; nothing listens to model signals.
"""
