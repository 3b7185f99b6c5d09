# A misspelled option key: Sentry has `system.event-retention-days`.
from sentry.conf.server import *  # NOQA

SENTRY_OPTIONS["system.events-retention-days"] = 30
