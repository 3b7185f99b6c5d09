# Read from the environment: not judged.
from sentry.conf.server import *  # NOQA

SENTRY_OPTIONS["system.url-prefix"] = env("SENTRY_URL")
