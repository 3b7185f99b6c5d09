# Uncommented from the example's SSL/TLS block; obsolete on 24.8.0 (info).
from sentry.conf.server import *  # NOQA

SOCIAL_AUTH_REDIRECT_IS_HTTPS = True
