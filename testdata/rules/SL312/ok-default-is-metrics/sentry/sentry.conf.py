# Sentry 24.8.0 defaults to the metrics backend itself: leaving the lines out is fine.
from sentry.conf.server import *  # NOQA

SENTRY_OPTIONS["system.event-retention-days"] = int(
    env("SENTRY_EVENT_RETENTION_DAYS", "90")
)
