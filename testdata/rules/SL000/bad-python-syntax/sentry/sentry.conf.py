from sentry.conf.server import *  # NOQA

SENTRY_FEATURES["organizations:session-replay"] = True
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache"
    
