# The release is unknown (nightly): no judgement on MemcachedCache.
from sentry.conf.server import *  # NOQA

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.memcached.MemcachedCache",
        "LOCATION": ["memcached:11211"],
        "OPTIONS": {"server_max_value_length": 1048576},
    }
}
