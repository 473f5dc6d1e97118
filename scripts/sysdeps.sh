#!/usr/bin/env bash
# Checks the system packages OMS needs and installs the missing ones when running as root with apt.
set -u
missing=()
ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || missing+=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)
ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset.so' || missing+=(libharfbuzz-subset0)
command -v pdftotext >/dev/null || missing+=(poppler-utils)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${missing[*]}"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    && exit 0
fi
echo "OMS needs these system packages; install them with: sudo apt-get install ${missing[*]}" >&2
exit 1
