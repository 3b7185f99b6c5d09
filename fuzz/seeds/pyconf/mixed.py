SENTRY_OPTIONS["system.url-prefix"] = "https://x"
if True:
    SENTRY_FEATURES.update({f: True for f in ("a", "b") + ("c",)})
X = env("A", "d") + f"{y}"
def f(:
