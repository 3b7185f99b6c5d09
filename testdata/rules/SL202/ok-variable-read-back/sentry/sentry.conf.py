# The global is read back into the option: it is not dead.
from sentry.conf.server import *  # NOQA

SENTRY_EVENT_RETENTION_DAYS = int(env("SENTRY_EVENT_RETENTION_DAYS", "90"))
SENTRY_OPTIONS["system.event-retention-days"] = SENTRY_EVENT_RETENTION_DAYS
