# The flag depends on the environment: what it is at import time is not
# known from the file.
from sentry.conf.server import *  # NOQA

if env("ENABLE_REPLAYS", "1") == "1":
    SENTRY_FEATURES["organizations:session-replay"] = True
