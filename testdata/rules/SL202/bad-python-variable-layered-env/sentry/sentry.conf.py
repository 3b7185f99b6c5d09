from sentry.conf.server import *  # NOQA

SENTRY_OPTIONS["system.event-retention-days"] = int(
    env("SENTRY_EVENT_RETENTION_DAYS", "90")
)

# From a guide: retention as a Python variable.
SENTRY_EVENT_RETENTION_DAYS = 30
