# Upstream's block from 24.1.1 to 26.5.0 (the last release it is the example's).
from sentry.conf.server import *  # NOQA

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
        "LOCATION": ["memcached:11211"],
        "TIMEOUT": 3600,
        "OPTIONS": {"ignore_exc": True},
    }
}
