#!/bin/sh
# Test exec credential plugin (client.authentication.k8s.io) for src/kube tests.
#   exec-plugin.sh token   prints an ExecCredential with $PLUGIN_TOKEN, or the contents of
#                          $PLUGIN_TOKEN_FILE, expiring at $PLUGIN_EXPIRY when set
#   exec-plugin.sh fail    complains on stderr and exits 3
# Each run appends a line to $PLUGIN_COUNT_FILE when set, so tests can count runs.
if [ -n "$PLUGIN_COUNT_FILE" ]; then echo run >> "$PLUGIN_COUNT_FILE"; fi
if [ "$1" = "fail" ]; then
  echo "plugin: you must log in first" >&2
  exit 3
fi
api=$(printf '%s' "$KUBERNETES_EXEC_INFO" | sed -n 's/.*"apiVersion":"\([^"]*\)".*/\1/p')
token="${PLUGIN_TOKEN:-plugin-token}"
if [ -n "$PLUGIN_TOKEN_FILE" ]; then token=$(cat "$PLUGIN_TOKEN_FILE"); fi
expiry=""
if [ -n "$PLUGIN_EXPIRY" ]; then expiry=",\"expirationTimestamp\":\"$PLUGIN_EXPIRY\""; fi
if [ -n "$PLUGIN_INFO_FILE" ]; then printf '%s' "$KUBERNETES_EXEC_INFO" > "$PLUGIN_INFO_FILE"; fi
printf '{"kind":"ExecCredential","apiVersion":"%s","status":{"token":"%s"%s}}\n' "$api" "$token" "$expiry"
