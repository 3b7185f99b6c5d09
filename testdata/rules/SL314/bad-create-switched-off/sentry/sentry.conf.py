# Several organizations were wanted, but an old line switches creation off.
from sentry.conf.server import *  # NOQA

SENTRY_SINGLE_ORGANIZATION = False

SENTRY_FEATURES["organizations:create"] = False
