# A customised block: reported, but not rewritten (the extra option needs a human).
from sentry.conf.server import *  # NOQA

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.memcached.MemcachedCache",
        "LOCATION": ["memcached:11211"],
        "OPTIONS": {"server_max_value_length": 5242880, "socket_timeout": 3},
    }
}
