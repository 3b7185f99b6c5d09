# The two retention lines of a public Session Replay guide, added to the
# example's own retention line: neither is read by Sentry.
from sentry.conf.server import *  # NOQA

SENTRY_OPTIONS["system.event-retention-days"] = int(
    env("SENTRY_EVENT_RETENTION_DAYS", "90")
)

SENTRY_EVENT_RETENTION_DAYS = 30
SENTRY_REPLAYS_RETENTION_DAYS = 7
