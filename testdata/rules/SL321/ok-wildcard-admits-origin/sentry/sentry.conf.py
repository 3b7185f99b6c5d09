# A wildcard entry admits the url-prefix origin (default port written out).
from sentry.conf.server import *  # NOQA

CSRF_TRUSTED_ORIGINS = ["https://*.example.com", "http://127.0.0.1:9000"]
