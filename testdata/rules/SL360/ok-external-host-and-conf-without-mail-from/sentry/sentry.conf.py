from sentry.conf.server import *  # NOQA

# mail.from and mail.list-namespace come from config.yml.
SENTRY_FEATURES["projects:sample-events"] = False
