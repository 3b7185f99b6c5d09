# The example's list enables the flag; a later line turns it off again.
from sentry.conf.server import *  # NOQA

SENTRY_FEATURES.update(
    {
        feature: True
        for feature in (
            "organizations:advanced-search",
            "organizations:session-replay",
        )
    }
)

SENTRY_FEATURES["organizations:session-replay"] = False
