# A sentry.conf.py kept from before Session Replay: the example's feature
# list without `organizations:session-replay`.
from sentry.conf.server import *  # NOQA

SENTRY_FEATURES["projects:sample-events"] = False
SENTRY_FEATURES.update(
    {
        feature: True
        for feature in (
            "organizations:discover",
            "organizations:global-views",
            "organizations:performance-view",
            "organizations:advanced-search",
            "organizations:issue-platform",
            "projects:plugins",
        )
    }
)
