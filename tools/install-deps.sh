#!/bin/sh
# install-deps.sh - install what s2view needs on a Debian 12 host, idempotently.
#
# USAGE: tools/install-deps.sh [-h]
#
# Installs the host packages (cross compiler, kernel build deps, QEMU, bats,
# the shell linter, ccache, the 6.12 kernel source, and the shells, awks and
# applets the toolkit is tested under: dash+mawk, bash+gawk, busybox,
# mksh+toybox+original-awk as on Android) when any is missing, and unpacks
# the arm64 busybox-static and bash-static packages (downloaded, not installed)
# into the cache dir, and the prometheus package's promtool (Prometheus' own
# linter, for the tests of --prom) into $CACHE/promtool. Downloads the 7.3 kernel source (linux-source-7.3 from
# trixie-backports, an arch-all package) through apt configuration of its own
# in the cache dir, never the machine's sources, and keeps its tarball there.
# Uses sudo when not root. Safe to run again: it does nothing when everything
# is there.
#
# REQUIREMENTS: Debian 12 (bookworm) with the Debian archive reachable.
set -eu

CACHE=${S2VIEW_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/s2view}
ARM64_ROOT=$CACHE/arm64-root
# linux-source-7.3: the suite that has it, and where its tarball goes (the
# path tools/lib.sh gives the 7.3 tree)
K73_PACKAGE=linux-source-7.3
K73_SUITE="http://deb.debian.org/debian trixie-backports main"
K73_TARBALL=$CACHE/src/linux-source-7.3.tar.xz

PACKAGES="linux-source-6.12 gcc-aarch64-linux-gnu libc6-dev-arm64-cross make flex bison bc libssl-dev
libelf-dev cpio xz-utils ccache qemu-system-arm bats bats-support bats-assert
shellcheck busybox dash perl dpkg-dev mawk gawk mksh toybox original-awk"
ARM64_DEBS="busybox-static bash-static"

usage() {
	cat >&2 <<USAGE
USAGE: tools/install-deps.sh [-h]
Installs s2view's host packages (with apt-get, via sudo when not root) and
unpacks arm64 busybox-static and bash-static into $ARM64_ROOT.
USAGE
}

die() {
	echo "install-deps: $*" >&2
	exit 1
}

say() {
	echo "install-deps: $*"
}

while getopts h opt; do
	case $opt in
	h) usage; exit 0 ;;
	*) usage; exit 2 ;;
	esac
done

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || die "not root and no sudo: run as root"
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive

### host packages
missing=
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
need_arm64=
dpkg --print-foreign-architectures | grep -qx arm64 || need_arm64=1

updated=
apt_update() {
	[ -n "$updated" ] && return 0
	say "apt-get update (package lists)"
	$SUDO apt-get update -qq || die "apt-get update failed: is the Debian archive reachable?"
	updated=1
}

if [ -n "$need_arm64" ]; then
	say "adding the arm64 architecture to dpkg (for busybox-static:arm64, bash-static:arm64)"
	$SUDO dpkg --add-architecture arm64
	updated=
	apt_update
fi
if [ -n "$missing" ]; then
	say "installing:$missing"
	apt_update
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
		die "apt-get install failed for:$missing"
else
	say "host packages: all present"
fi

### arm64 static binaries for the guest image
mkdir -p "$CACHE/debs" "$ARM64_ROOT"
for p in $ARM64_DEBS; do
	stamp=$ARM64_ROOT/.$p.unpacked
	[ -f "$stamp" ] && continue
	apt_update
	say "downloading and unpacking $p:arm64"
	(cd "$CACHE/debs" && chmod 755 . && apt-get download -q "$p:arm64" >/dev/null 2>&1) ||
		die "apt-get download $p:arm64 failed"
	for deb in "$CACHE/debs/${p}_"*_arm64.deb; do :; done # the last version
	dpkg-deb -x "$deb" "$ARM64_ROOT"
	touch "$stamp"
done
[ -x "$ARM64_ROOT/bin/busybox" ] || die "no arm64 busybox in $ARM64_ROOT"
[ -x "$ARM64_ROOT/bin/bash-static" ] || die "no arm64 bash-static in $ARM64_ROOT"

### Prometheus' own linter, for the host tests of --prom: promtool alone,
### out of the prometheus package (downloaded, not installed: installing it
### would start a Prometheus server)
PROMTOOL=$CACHE/promtool/promtool
if [ ! -x "$PROMTOOL" ]; then
	apt_update
	say "downloading prometheus for its promtool (not installed)"
	mkdir -p "$CACHE/promtool"
	rm -f "$CACHE/debs/prometheus_"*.deb
	(cd "$CACHE/debs" && apt-get download -q prometheus >/dev/null 2>&1) ||
		die "apt-get download prometheus failed"
	for deb in "$CACHE/debs/prometheus_"*.deb; do :; done
	dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/bin/promtool >"$PROMTOOL.part" ||
		die "no usr/bin/promtool in $deb"
	chmod 755 "$PROMTOOL.part"
	mv "$PROMTOOL.part" "$PROMTOOL"
	rm -f "$deb"
fi

### the 7.3 kernel source, through apt state of our own
# apt-get with its own sources list, lists, status and archive dirs: the
# machine's apt sources and state are never read or changed.
fetch_k73() {
	apt=$CACHE/apt-7.3
	mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$apt/prefs" "$CACHE/src"
	echo "deb $K73_SUITE" >"$apt/sources.list"
	: >"$apt/status"
	set -- -o Dir::Etc::sourcelist="$apt/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::Etc::preferencesparts="$apt/prefs" -o Dir::State="$apt" \
		-o Dir::State::lists="$apt/lists" -o Dir::State::status="$apt/status" \
		-o Dir::Cache="$apt" -o Dir::Cache::archives="$apt/archives" \
		-o Acquire::Languages=none -o APT::Sandbox::User=root
	say "downloading $K73_PACKAGE ($K73_SUITE), with apt state of its own in $apt"
	apt-get -q "$@" update >/dev/null || die "apt-get update of $K73_SUITE failed"
	rm -f "$apt/archives/${K73_PACKAGE}_"*.deb
	(cd "$apt/archives" && apt-get -q "$@" download "$K73_PACKAGE" >/dev/null) ||
		die "apt-get download $K73_PACKAGE failed"
	for deb in "$apt/archives/${K73_PACKAGE}_"*_all.deb; do :; done
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$K73_PACKAGE.tar.xz" >"$K73_TARBALL.part" ||
		die "no $K73_PACKAGE.tar.xz in $deb"
	mv "$K73_TARBALL.part" "$K73_TARBALL"
	rm -f "$deb"
}
[ -f "$K73_TARBALL" ] || fetch_k73
say "done (cache: $CACHE)"
