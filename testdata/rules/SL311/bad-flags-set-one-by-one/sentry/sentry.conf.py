# Flags written one by one (no update list): the missing one is appended.
from sentry.conf.server import *  # NOQA

SENTRY_FEATURES.update({
    "organizations:discover": True,
    "organizations:events": True,
    "organizations:global-views": True,
    "organizations:incidents": True,
    "organizations:integrations-issue-basic": True,
    "organizations:integrations-issue-sync": True,
    "organizations:invite-members": True,
    "organizations:metric-alert-builder-aggregate": True,
    "organizations:sso-basic": True,
    "organizations:sso-rippling": True,
    "organizations:sso-saml2": True,
    "organizations:performance-view": True,
    "organizations:advanced-search": True,
    "organizations:session-replay": True,
})
SENTRY_FEATURES["projects:custom-inbound-filters"] = True
SENTRY_FEATURES["projects:data-forwarding"] = True
SENTRY_FEATURES["projects:discard-groups"] = True
SENTRY_FEATURES["projects:plugins"] = True
SENTRY_FEATURES["projects:rate-limits"] = True
SENTRY_FEATURES["projects:servicehooks"] = True
