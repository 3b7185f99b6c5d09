# Started on 23.4.0 and upgraded: the 23.9.1 release-health lines never
# arrived, and 23.11.0 removed the sessions consumers.
from sentry.conf.server import *  # NOQA

SENTRY_SINGLE_ORGANIZATION = True

SENTRY_OPTIONS["system.event-retention-days"] = int(
    env("SENTRY_EVENT_RETENTION_DAYS", "90")
)

SENTRY_USE_BIG_INTS = True
