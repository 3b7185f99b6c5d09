# Fine on 23.6.2 (the sessions consumers still run), but the team is heading
# to 23.11.0; 23.6.2's example has no metrics lines, so no fix is offered yet.
from sentry.conf.server import *  # NOQA

SENTRY_OPTIONS["system.event-retention-days"] = int(
    env("SENTRY_EVENT_RETENTION_DAYS", "90")
)
