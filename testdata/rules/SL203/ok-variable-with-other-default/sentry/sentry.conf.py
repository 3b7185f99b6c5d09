# Another default, but the variable is set: the default never applies.
from sentry.conf.server import *  # NOQA

SENTRY_OPTIONS["system.event-retention-days"] = int(env("SENTRY_EVENT_RETENTION_DAYS", "30"))
