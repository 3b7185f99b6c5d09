import os

from sentry.conf.server import *  # NOQA

DATABASES = {"default": {"HOST": env("SENTRY_DATABASE_HOST"), "NAME": os.getenv("HOSTNAME")}}
SENTRY_OPTIONS["mail.list-namespace"] = env("SENTRY_MAIL_HOST", "localhost")
SENTRY_MAX_EXTERNAL_SOURCEMAP_SIZE = env("SENTRY_MAX_EXTERNAL_SOURCEMAP_SIZE", "1M")
