#!/bin/sh
# Mounted as /docker-entrypoint.d/99-callwaiting.sh in the nginx container. The official image runs
# it before nginx starts, after it has rendered templates/default.conf.template.
#
# 1. A missing domain or certificate is said plainly here, instead of as nginx's "cannot load
#    certificate" (a failing script stops the container's start).
# 2. It leaves a loop behind that reloads nginx every 6 hours, so a certificate that the certbot
#    container renewed is served without a restart. A reload is graceful: open connections, live
#    calls included, finish on the old worker processes.
set -eu

if [ -z "${DOMAIN:-}" ]; then
  echo "callwaiting: DOMAIN is not set (.env): nginx needs the public host name" >&2
  exit 1
fi
cert="/etc/letsencrypt/live/$DOMAIN/fullchain.pem"
if [ ! -s "$cert" ]; then
  echo "callwaiting: no certificate at $cert; issue the first one with scripts/init-letsencrypt.sh (docs/deployment.md, \"TLS\")" >&2
  exit 1
fi

(
  while :; do
    sleep 21600
    nginx -s reload
  done
) >/dev/null 2>&1 &
