# 23.6.2 still runs the sessions consumers, and no upgrade is planned.
from sentry.conf.server import *  # NOQA

SENTRY_OPTIONS["system.event-retention-days"] = int(
    env("SENTRY_EVENT_RETENTION_DAYS", "90")
)
