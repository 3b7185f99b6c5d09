# On 23.10.1 the example already sets the metrics backends, so they can be
# added before the upgrade to 23.11.0. No retention line: appended at the end.
from sentry.conf.server import *  # NOQA

SENTRY_SINGLE_ORGANIZATION = True
