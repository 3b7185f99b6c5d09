from sentry.conf.server import *  # NOQA

SENTRY_EVENT_RETENTION_DAYS = 30
