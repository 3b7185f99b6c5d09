# The flag is enabled on its own line instead of in the example's list.
from sentry.conf.server import *  # NOQA

SENTRY_FEATURES.update({feature: True for feature in ("organizations:discover",)})
SENTRY_FEATURES["organizations:session-replay"] = True
