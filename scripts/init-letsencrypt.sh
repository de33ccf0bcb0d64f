#!/usr/bin/env bash
# Issue the first Let's Encrypt certificate for $DOMAIN, then start nginx and the renewal loop.
#
#   scripts/init-letsencrypt.sh [--staging] [--dry-run] [more certbot arguments, e.g. -d www.example.com]
#
# Run it once, from the directory holding docker-compose.yml, after:
#   - DOMAIN and CERTBOT_EMAIL are set in .env,
#   - the domain's DNS A (and AAAA, if any) records point at this machine,
#   - ports 80 and 443 are open to the internet (Let's Encrypt connects to port 80).
#
# nginx cannot start without a certificate, so this one is issued by certbot's own web server
# (--standalone) on port 80 while nginx is stopped. Renewals later go through nginx (the certbot
# service runs `certbot renew --webroot` twice a day), with no downtime.
#
# --staging   use Let's Encrypt's staging CA (untrusted certificates, generous rate limits) to try
#             the setup first; run again without it for the real certificate.
# --dry-run   check that a certificate could be issued, and save nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "init-letsencrypt: $*" >&2; exit 2; }

# A value from .env, unless the environment sets it (compose gives the environment precedence too).
from_env_file() {
  [ -f .env ] || return 0
  sed -n "s/^$1=//p" .env | tail -n 1 | sed -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'$/\1/"
}
DOMAIN=${DOMAIN:-$(from_env_file DOMAIN)}
CERTBOT_EMAIL=${CERTBOT_EMAIL:-$(from_env_file CERTBOT_EMAIL)}
[ -n "$DOMAIN" ] || die "set DOMAIN in .env (the public host name)"
[ -n "$CERTBOT_EMAIL" ] || die "set CERTBOT_EMAIL in .env (Let's Encrypt writes there about expiry)"
case $DOMAIN in
  *example.com|*example.org|localhost) die "DOMAIN is still \"$DOMAIN\": set your own host name in .env" ;;
esac

# Port 80 must be free for certbot's web server.
docker compose --profile production stop nginx >/dev/null 2>&1 || true

echo "init-letsencrypt: requesting a certificate for $DOMAIN" >&2
docker compose --profile production run --rm --no-deps --publish 80:80 --entrypoint certbot certbot \
  certonly --standalone --preferred-challenges http \
  --domain "$DOMAIN" --email "$CERTBOT_EMAIL" --agree-tos --no-eff-email --non-interactive \
  --keep-until-expiring "$@"

for arg in "$@"; do
  if [ "$arg" = --dry-run ]; then
    echo "init-letsencrypt: dry run done; run again without --dry-run to get the certificate" >&2
    exit 0
  fi
done

docker compose --profile production up -d nginx certbot
echo "init-letsencrypt: nginx is serving https://$DOMAIN/ (check: curl -sS https://$DOMAIN/health)" >&2
