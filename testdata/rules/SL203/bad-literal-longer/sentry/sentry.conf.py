# The example's env() replaced by a literal longer than .env's 90 days.
from sentry.conf.server import *  # NOQA

SENTRY_OPTIONS["system.event-retention-days"] = 180
