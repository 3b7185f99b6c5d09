# On 23.6.2 the setting may still matter: not judged.
from sentry.conf.server import *  # NOQA

SOCIAL_AUTH_REDIRECT_IS_HTTPS = True
