from sentry.conf.server import *  # noqa

BANNER = "# sentrylint: ignore[SL001]"
