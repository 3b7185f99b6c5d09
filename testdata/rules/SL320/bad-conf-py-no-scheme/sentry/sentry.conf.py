# Set in sentry.conf.py (config.yml does not set it), without a scheme.
from sentry.conf.server import *  # NOQA

SENTRY_OPTIONS["system.url-prefix"] = "sentry.example.com:9000"
