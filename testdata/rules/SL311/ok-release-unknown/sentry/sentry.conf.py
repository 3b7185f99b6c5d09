# `latest` says nothing about the release, so there is no example to compare with.
from sentry.conf.server import *  # NOQA

SENTRY_FEATURES["organizations:discover"] = True
