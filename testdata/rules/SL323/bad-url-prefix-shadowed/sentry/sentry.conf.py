# The legacy name next to the real option (set in config.yml): ignored.
from sentry.conf.server import *  # NOQA

SENTRY_URL_PREFIX = "https://old.example.com"
