from sentry.conf.server import *  # NOQA

SENTRY_OPTIONS["system.url-prefix"] = "sentry.example.com/old"
