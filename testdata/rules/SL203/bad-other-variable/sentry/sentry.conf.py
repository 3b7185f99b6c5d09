# Reads a variable compose never hands to the containers: its default rules.
from sentry.conf.server import *  # NOQA

SENTRY_OPTIONS["system.event-retention-days"] = int(env("RETENTION", "30"))
