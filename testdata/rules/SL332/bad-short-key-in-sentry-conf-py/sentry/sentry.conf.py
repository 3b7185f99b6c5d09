from sentry.conf.server import *  # NOQA

# A hand-written key in the Python settings.
SENTRY_OPTIONS["system.secret-key"] = "acme-sentry-2023!"
