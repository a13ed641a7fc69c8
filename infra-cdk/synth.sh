#!/usr/bin/env bash
# Writes botfleet's CloudFormation template (and its assets) into infra-cdk/cdk.out, with no AWS
# account and no network once Maven's dependencies are local. Usage: infra-cdk/synth.sh [props.json]
# (default: infra-cdk/example-props.json, every platform configured).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${JAVA_HOME:-}" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -qE 'version "(2[1-9]|[3-9][0-9])'; then
  for candidate in /usr/lib/jvm/*; do
    if "$candidate/bin/java" -version 2>&1 | grep -qE 'version "(2[1-9]|[3-9][0-9])'; then JAVA_HOME=$candidate; break; fi
  done
fi
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
command -v node >/dev/null || { echo "the CDK needs Node.js (18 or later) on the PATH" >&2; exit 1; }

props=$(realpath "${1:-infra-cdk/example-props.json}")
./mvnw -B -ntp -q install -DskipTests # the functions' jar is the stack's code asset
cd infra-cdk
rm -rf cdk.out
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
CDK_OUTDIR=cdk.out CDK_CONTEXT_JSON="{\"props\": \"$props\"}" \
  ../mvnw -B -ntp -q exec:java -Dexec.mainClass=io.botfleet.infra.BotfleetApp
echo "template: infra-cdk/cdk.out/Botfleet.template.json"
