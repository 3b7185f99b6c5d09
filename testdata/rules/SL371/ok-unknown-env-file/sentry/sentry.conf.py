from sentry.conf.server import *  # NOQA

DATABASES = {"default": {"HOST": env("SENTRY_DATABASE_HOST")}}
