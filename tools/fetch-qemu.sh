#!/bin/sh
# fetch-qemu.sh - Debian's arm64 QEMU and only the libraries it needs, for
# the guest image's QEMU tests (tests/guest/50-qemu.bats).
#
# USAGE: tools/fetch-qemu.sh [-h]
#
# Downloads qemu-system-arm:arm64 (the qemu-system-aarch64 binary) with
# apt-get download, as tools/install-deps.sh does busybox-static: downloaded
# and unpacked, never installed. Each package is unpacked into a directory
# of its own under the cache dir; the libraries the binary needs are then
# resolved with readelf: every DT_NEEDED of the binary and, recursively, of
# each library it takes, is looked up in the unpacked packages. A name not
# found there brings in the Depends of the packages already used (the
# first round: qemu-system-arm's own), and the lookup runs again. Only the
# binary, the dynamic loader and the needed libraries are copied to
# $CACHE/qemu-root (usr/bin, lib/, usr/lib/aarch64-linux-gnu), which
# tools/build-qemu-cpio.sh packs. Safe to run again: nothing is done when
# qemu-root is complete.
#
# REQUIREMENTS: Debian 12 with dpkg's arm64 architecture and the cross
# binutils' readelf (tools/install-deps.sh), the Debian archive reachable.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tools/lib.sh"

QEMU_PACKAGE=qemu-system-arm
QEMU_BIN=usr/bin/qemu-system-aarch64
LDSO=lib/ld-linux-aarch64.so.1
QEMU_ROOT=$S2VIEW_CACHE/qemu-root
DEBS=$S2VIEW_CACHE/debs/qemu
PKGS=$S2VIEW_CACHE/qemu-pkgs

case ${1:-} in
-h) sed -n 's/^# \{0,1\}//; 3,21p' "$0" >&2; exit 0 ;;
"") ;;
*) echo "USAGE: tools/fetch-qemu.sh [-h]" >&2; exit 2 ;;
esac

[ -f "$QEMU_ROOT/.complete" ] && { say "QEMU: present in $QEMU_ROOT"; exit 0; }
READELF=${CROSS}readelf
command -v "$READELF" >/dev/null 2>&1 || die "no $READELF: run tools/install-deps.sh"
dpkg --print-foreign-architectures | grep -qx arm64 ||
	die "dpkg has no arm64 architecture: run tools/install-deps.sh"
mkdir -p "$DEBS" "$PKGS"

# unpack PACKAGE...: download the PACKAGEs (arm64) not unpacked yet, in one
# apt-get call, and unpack each into $PKGS/PACKAGE
unpack() {
	_want=
	for _p in "$@"; do
		[ -f "$PKGS/$_p/.unpacked" ] || _want="$_want $_p:arm64"
	done
	[ -n "$_want" ] || return 0
	say "downloading and unpacking$_want"
	# shellcheck disable=SC2086 # one package a word
	(cd "$DEBS" && chmod 755 . && apt-get download -q $_want >/dev/null 2>&1) ||
		die "apt-get download failed for$_want (apt-get update? the archive reachable?)"
	for _p in "$@"; do
		[ -f "$PKGS/$_p/.unpacked" ] && continue
		_deb=
		for _d in "$DEBS/${_p}_"*_arm64.deb; do _deb=$_d; done # the last version
		[ -f "$_deb" ] || die "no $_p deb in $DEBS"
		rm -rf "${PKGS:?}/$_p"
		mkdir -p "$PKGS/$_p"
		dpkg-deb -x "$_deb" "$PKGS/$_p"
		touch "$PKGS/$_p/.unpacked"
	done
}

# depends PACKAGE...: the arm64 library packages PACKAGEs depend on (of
# alternatives, the last: apt-cache marks the others "|Depends:"), one a line
depends() {
	# shellcheck disable=SC2046 # one package a word
	apt-cache depends --no-recommends --no-suggests --no-conflicts \
		--no-breaks --no-replaces --no-enhances $(printf '%s:arm64 ' "$@") 2>/dev/null | awk '
	# "  Depends: libglib2.0-0:arm64", "  PreDepends: libc6:arm64"
	$1 ~ /^(Pre)?Depends:$/ {
		p = $2; sub(/:arm64$/, "", p)
		if (p ~ /^(lib|zlib)/ && p !~ /^</) print p
	}' | sort -u
}

# find_lib SONAME: the unpacked file of that name, in any package's library
# directories ("" when none has it)
find_lib() {
	for _f in "$PKGS"/*/lib/aarch64-linux-gnu/"$1" "$PKGS"/*/usr/lib/aarch64-linux-gnu/"$1"; do
		[ -e "$_f" ] && { echo "$_f"; return 0; }
	done
	return 0
}

# resolve: every library the binary needs, recursively, one path a line in
# $work/libs; the sonames found nowhere in $work/missing
resolve() {
	: >"$work/libs"
	: >"$work/missing"
	echo "$PKGS/$QEMU_PACKAGE/$QEMU_BIN" >"$work/todo"
	: >"$work/seen"
	while [ -s "$work/todo" ]; do
		_f=$(head -n 1 "$work/todo")
		sed -i 1d "$work/todo"
		# " 0x0000000000000001 (NEEDED)  Shared library: [libz.so.1]"
		for _n in $("$READELF" -d "$_f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
			grep -qxF "$_n" "$work/seen" && continue
			echo "$_n" >>"$work/seen"
			_l=$(find_lib "$_n")
			if [ -z "$_l" ]; then
				echo "$_n" >>"$work/missing"
			else
				echo "$_l" >>"$work/libs"
				echo "$_l" >>"$work/todo"
			fi
		done
	done
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

### download until every needed library is there
unpack "$QEMU_PACKAGE" libc6
[ -x "$PKGS/$QEMU_PACKAGE/$QEMU_BIN" ] || die "no $QEMU_BIN in $QEMU_PACKAGE:arm64"
used=$QEMU_PACKAGE
round=0
while :; do
	resolve
	[ -s "$work/missing" ] || break
	round=$((round + 1))
	[ "$round" -le 10 ] || die "libraries found in no package: $(xargs <"$work/missing")"
	# the packages of the libraries taken so far, and their Depends
	while read -r _l; do
		_p=${_l#"$PKGS"/}
		used="$used ${_p%%/*}"
	done <"$work/libs"
	# shellcheck disable=SC2086 # one package a word
	used=$(printf "%s\n" $used | sort -u)
	# shellcheck disable=SC2086 # one package a word
	new=$(depends $used)
	# shellcheck disable=SC2086
	unpack $new
done

### copy the binary, the loader and the libraries
rm -rf "$QEMU_ROOT"
mkdir -p "$QEMU_ROOT/usr/bin" "$QEMU_ROOT/lib" "$QEMU_ROOT/usr/lib/aarch64-linux-gnu"
cp "$PKGS/$QEMU_PACKAGE/$QEMU_BIN" "$QEMU_ROOT/$QEMU_BIN"
# the loader the binary names (PT_INTERP), from libc6 (whose /lib/ link
# to it is absolute: the file itself)
ldso=$(find_lib "${LDSO##*/}")
[ -n "$ldso" ] || die "no ${LDSO##*/} in libc6:arm64"
cp -L "$ldso" "$QEMU_ROOT/$LDSO"
# shellcheck disable=SC2013 # one path a line, no spaces
for l in $(cat "$work/libs"); do
	cp -L "$l" "$QEMU_ROOT/usr/lib/aarch64-linux-gnu/${l##*/}"
done
# Debian's own version, for the tests and the notes
for d in "$DEBS/${QEMU_PACKAGE}_"*_arm64.deb; do :; done
dpkg-deb -f "$d" Version >"$QEMU_ROOT/usr/lib/aarch64-linux-gnu/.qemu-version"
touch "$QEMU_ROOT/.complete"
say "QEMU $(cat "$QEMU_ROOT/usr/lib/aarch64-linux-gnu/.qemu-version") and $(wc -l <"$work/libs") libraries in $QEMU_ROOT ($(du -sk "$QEMU_ROOT" | cut -f1) KiB)"
