# The same, inside an update dict: reported, not rewritten.
from sentry.conf.server import *  # NOQA

SENTRY_SINGLE_ORGANIZATION = False
SENTRY_FEATURES.update({"organizations:create": False, "auth:register": False})
