# Only half of the 23.9.1 lines were copied: the monitor goes right after.
from sentry.conf.server import *  # NOQA

SENTRY_OPTIONS["system.event-retention-days"] = int(
    env("SENTRY_EVENT_RETENTION_DAYS", "90")
)

SENTRY_RELEASE_HEALTH = "sentry.release_health.metrics.MetricsReleaseHealthBackend"

SENTRY_USE_BIG_INTS = True
