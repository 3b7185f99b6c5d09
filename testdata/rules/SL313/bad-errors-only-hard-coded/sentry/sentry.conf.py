from sentry.conf.server import *  # NOQA

# Hard-coded during a trial of errors-only, never reverted.
SENTRY_SELF_HOSTED_ERRORS_ONLY = True
