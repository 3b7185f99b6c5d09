# One organization: creating more is off on purpose.
from sentry.conf.server import *  # NOQA

SENTRY_SINGLE_ORGANIZATION = True
SENTRY_FEATURES["organizations:create"] = False
