from sentry.conf.server import *  # NOQA

SENTRY_OPTIONS["system.event-retention-days"] = 30
