# Upgraded to 24.8.0 but install.sh kept the 23.x cache block.
from sentry.conf.server import *  # NOQA

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.memcached.MemcachedCache",
        "LOCATION": ["memcached:11211"],
        "TIMEOUT": 3600,
        "OPTIONS": {
            "server_max_value_length": unit_text_to_bytes(
                env("SENTRY_MAX_EXTERNAL_SOURCEMAP_SIZE", "1M")
            )
        },
    }
}
