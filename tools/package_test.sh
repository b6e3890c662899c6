#!/usr/bin/env bash
# Builds the Debian package and checks it the way a user meets it, on this
# machine (root, or sudo): lintian finds nothing (errors or warnings), dpkg
# installs it, the installed kwsd accepts /etc/kwsd/kwsd.yaml with the
# installed models, systemd-analyze verifies the installed unit, the unit is
# enabled, an upgrade (reinstall) keeps an edited conffile, a remove keeps
# it but disables the unit, and a purge leaves none of the package's files
# or systemd state behind.
#
#   tools/package_test.sh [kwsd_<version>_<arch>.deb]   (default: build one)
#
# Not in CI: building the package is a second full release build (see
# docs/package.md for the time it takes).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
fail() {
  echo "package_test: FAIL: $*" >&2
  exit 1
}
step() { echo "== $*"; }

deb=${1:-}
if [[ -z $deb ]]; then
  step "build"
  deb=$(tools/package.sh | sed -n 's/^package.sh: built //p')
fi
[[ -f $deb ]] || fail "no package '$deb'"
deb=$(realpath "$deb")
if dpkg-query -W -f='${Status}' kwsd 2>/dev/null | grep -q "installed"; then
  fail "kwsd is already installed here; purge it first (dpkg --purge kwsd)"
fi

step "lintian $deb"
lintian --fail-on error,warning --tag-display-limit 0 "$deb" || fail "lintian found problems"

step "dpkg -i"
$SUDO dpkg -i "$deb"
trap '$SUDO dpkg --purge kwsd >/dev/null 2>&1 || true' EXIT
files=$(dpkg -L kwsd)
for f in /usr/bin/kwsd /usr/bin/kws-wyoming /usr/bin/kws-eval /usr/bin/kws-tune \
  /usr/bin/kws-features /usr/share/kwsd/models/kwsd_default.tflite /etc/kwsd/kwsd.yaml \
  /lib/systemd/system/kwsd.service /usr/share/doc/kwsd/README.md /usr/share/doc/kwsd/copyright \
  /usr/share/man/man1/kwsd.1.gz; do
  [[ -e $f ]] || fail "$f is not installed"
done
grep -qx /etc/kwsd/kwsd.yaml /var/lib/dpkg/info/kwsd.conffiles || fail "kwsd.yaml is no conffile"

step "kwsd --check-config --config /etc/kwsd/kwsd.yaml"
out=$(/usr/bin/kwsd --check-config --config /etc/kwsd/kwsd.yaml 2>&1) || fail "$out"
echo "$out"
grep -q "model '/usr/share/kwsd/models/kwsd_default.tflite'" <<<"$out" ||
  fail "kwsd does not use the installed model"

step "systemd-analyze verify"
# --man=no: the unit's Documentation= is a file:, nothing for man to look up.
SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no /lib/systemd/system/kwsd.service ||
  fail "systemd-analyze verify"
[[ -L /etc/systemd/system/multi-user.target.wants/kwsd.service ]] ||
  fail "the unit was not enabled on install"

step "upgrade (reinstall) keeps an edited conffile"
echo "# edited by package_test" | $SUDO tee -a /etc/kwsd/kwsd.yaml >/dev/null
$SUDO dpkg -i --force-confold "$deb"
grep -q "edited by package_test" /etc/kwsd/kwsd.yaml || fail "the upgrade replaced kwsd.yaml"
[[ -L /etc/systemd/system/multi-user.target.wants/kwsd.service ]] ||
  fail "the upgrade disabled the unit"

step "dpkg --remove keeps the conffile, masks the unit"
$SUDO dpkg --remove kwsd
[[ -f /etc/kwsd/kwsd.yaml ]] || fail "remove deleted the conffile"
[[ ! -e /usr/bin/kwsd ]] || fail "remove left /usr/bin/kwsd"
# As debhelper does: masked (cannot start, even from the remaining config);
# the enable state is forgotten at purge.
[[ $(readlink /etc/systemd/system/kwsd.service) == /dev/null ]] || fail "remove did not mask the unit"

step "dpkg --purge"
$SUDO dpkg --purge kwsd
trap - EXIT
left=""
while IFS= read -r f; do
  # Shared folders (/usr/bin, /etc, ...) belong to other packages too.
  if [[ -e $f && ! -d $f ]]; then left+=" $f"; fi
done <<<"$files"
for f in /etc/kwsd /etc/systemd/system/multi-user.target.wants/kwsd.service \
  /etc/systemd/system/kwsd.service /var/lib/systemd/deb-systemd-helper-enabled/kwsd.service.dsh-also \
  /var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/kwsd.service \
  /var/lib/systemd/deb-systemd-helper-masked/kwsd.service; do
  if [[ -e $f || -L $f ]]; then left+=" $f"; fi
done
[[ -z $left ]] || fail "left behind after purge:$left"
echo "package_test: OK ($deb: lintian clean, installs, checks, upgrades, purges cleanly)"
