from sentry.conf.server import *  # noqa

SENTRY_OPTIONS["system.event-retention-days"] = 90  # sentrylint: ignroe[SL001]
