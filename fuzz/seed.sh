#!/usr/bin/env bash
# Fills corpus/TARGET (gitignored) with seeds derived from the upstream
# files in ../shared/upstream and the pristine sentry.conf.py files in
# testdata; seeds/ holds the few hand-written ones. run.sh calls it.
set -euo pipefail
cd "$(dirname "$0")"
up=../../shared/upstream
pristine=../testdata/pristine
key=q2w9-e8r7t6y5u4i3o2p1a0s9d8f7g6h5j4k3l2z1x0c9v8b7n6
mkdir -p corpus/{yaml,yaml_compose,env,pyconf,check,fix,fix_lines}
[ -d "$up" ] || { echo "no $up: only the seeds in seeds/ are used" >&2; exit 0; }
sep=$'\n--8<--\n'
for tag in 23.4.0 24.1.0 25.5.1; do
    cp "$up/$tag/docker-compose.yml" "corpus/yaml/compose-$tag.yml"
    cp "$up/$tag/.env" "corpus/env/env-$tag"
    cp "$pristine/$tag/sentry.conf.py" "corpus/pyconf/conf-$tag.py"
    config=$(sed "s/'!!changeme!!'/'$key'/" "$up/$tag/sentry/config.example.yml")
    install="$(cat "$up/$tag/docker-compose.yml")$sep$sep$(cat "$up/$tag/.env")$sep$sep$(cat "$pristine/$tag/sentry.conf.py")$sep$config"
    printf '%s\n' "$install" >"corpus/check/pristine-$tag"
    { printf '\002'; printf '%s\n' "$install"; } >"corpus/fix/pristine-$tag-to-next"
done
cp "$up/24.1.0/sentry/config.example.yml" corpus/yaml/sentry-config.yml
cp "$up/24.1.0/relay/config.example.yml" corpus/yaml/relay-config.yml
# Every input of the YAML test suite, when it is there (one file each).
suite=../../shared/yaml-test-suite
if [ -d "$suite" ]; then
    find "$suite" -name in.yaml | while read -r f; do
        case=${f#"$suite"/}
        case=${case%/in.yaml}
        cp "$f" "corpus/yaml/suite-${case//\//-}.yml"
    done
fi
