from sentry.conf.server import *  # NOQA
