# Carried over from a docker-sentry config: nothing reads it any more.
from sentry.conf.server import *  # NOQA

SENTRY_USE_SSL = env("SENTRY_USE_SSL", True)
