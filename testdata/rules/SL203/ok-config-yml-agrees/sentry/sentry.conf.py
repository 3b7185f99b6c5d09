# A literal that disagrees, but config.yml overrides it with .env's value.
from sentry.conf.server import *  # NOQA

SENTRY_OPTIONS["system.event-retention-days"] = 30
