#!/bin/sh
# build-kernel.sh - configure and cross-build the s2view arm64 kernel.
#
# USAGE: tools/build-kernel.sh [-k KERNEL] [-d] [-g GRANULE] OUTPUT_IMAGE
#        tools/build-kernel.sh [-k KERNEL] -u
#   -k   the kernel: 6.12 (default) or 7.3; also $KERNEL
#   -d   debug kernel: adds kernel/config/debug.config (KASAN, lockdep,
#        kmemleak), built in its own O= dir
#   -g   page size: 4k (default), 16k or 64k (kernel/config/granule-*.config),
#        each in its own O= dir
#   -u   only unpack the tree and lay the kernel changes on it
#   e.g. tools/build-kernel.sh -k 7.3 build/Image-7.3
#
# Unpacks the kernel's source tarball (tools/install-deps.sh got it) into the
# cache dir once, lays the project's kernel changes on it
# (tools/kernel-overlay.sh), configures from allnoconfig + the committed
# fragments (kernel/config/s2view.config, linux-KERNEL.config, the granule's,
# debug.config) and builds Image with the kernel's own ccache, in an O= dir
# per kernel and variant. Reconfigures only when a fragment changed.
#
# REQUIREMENTS: tools/install-deps.sh has run.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tools/lib.sh"

usage() {
	echo "USAGE: tools/build-kernel.sh [-k 6.12|7.3] [-d] [-g 4k|16k|64k] OUTPUT_IMAGE | -u" >&2
	exit 2
}

variant=default
unpack_only=
granule=4k
while getopts k:dg:u opt; do
	case $opt in
	k) kernel_vars "$OPTARG" ;;
	d) variant=debug ;;
	g) granule=$OPTARG ;;
	u) unpack_only=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
if [ -n "$unpack_only" ]; then
	[ $# -eq 0 ] || usage
else
	[ $# -eq 1 ] || usage
	image_out=$1
fi

case $granule in 4k|16k|64k) ;; *) usage ;; esac
config=$top/kernel/config
frags="$config/s2view.config $config/linux-$KERNEL.config $config/granule-$granule.config"
[ "$variant" = debug ] && frags="$frags $config/debug.config"
[ "$granule" = 4k ] || variant=$variant-$granule
out=$S2VIEW_CACHE/build-$KERNEL-$variant
jobs=$(($(nproc) + 1))
kmake() {
	make -s -C "$KSRC" O="$out" ARCH=arm64 CROSS_COMPILE="ccache $CROSS" \
		KBUILD_BUILD_TIMESTAMP=2024-12-01 KBUILD_BUILD_USER=s2view \
		KBUILD_BUILD_HOST=s2view "$@"
}

### kernel tree
# (.s2view-tree: a tree unpacked with its pristine copies in $KPRISTINE)
if [ ! -f "$KSRC/.s2view-tree" ]; then
	[ -f "$KSRC_TARBALL" ] || die "no $KSRC_TARBALL: run tools/install-deps.sh"
	say "unpacking $KSRC_TARBALL into $S2VIEW_CACHE (about 20 s)"
	rm -rf "$KSRC" "$KPRISTINE"
	mkdir -p "$S2VIEW_CACHE"
	tar -xaf "$KSRC_TARBALL" -C "$S2VIEW_CACHE"
	[ -f "$KSRC/Makefile" ] || die "$KSRC_TARBALL did not unpack into $KSRC"
	touch "$KSRC/.s2view-tree"
fi
"$top/tools/kernel-overlay.sh"
[ -z "$unpack_only" ] || exit 0

### configuration
mkdir -p "$out"
# shellcheck disable=SC2086 # $frags is a list of paths without spaces
sum=$(cat $frags | md5sum | cut -d' ' -f1)
if [ ! -f "$out/.config" ] || [ "$(cat "$out/.s2view-config" 2>/dev/null)" != "$sum" ]; then
	say "configuring $variant kernel from$(for f in $frags; do printf ' %s' "${f#"$top"/}"; done)"
	kmake allnoconfig
	# shellcheck disable=SC2086
	(cd "$out" && ARCH=arm64 CROSS_COMPILE=$CROSS "$KSRC/scripts/kconfig/merge_config.sh" \
		-m -O "$out" "$out/.config" $frags >/dev/null)
	kmake olddefconfig
	lost=
	# shellcheck disable=SC2086
	set_opts=$(sed -n 's/^\(CONFIG_[A-Z0-9_]*=.*\)/\1/p' $frags)
	# shellcheck disable=SC2086
	unset_opts=$(sed -n 's/^# \(CONFIG_[A-Z0-9_]*\) is not set/\1/p' $frags)
	for opt in $set_opts; do
		grep -qx "$opt" "$out/.config" || lost="$lost $opt"
	done
	for opt in $unset_opts; do
		grep -q "^$opt=" "$out/.config" && lost="$lost $opt(unset)"
	done
	[ -z "$lost" ] || die "options lost after olddefconfig (missing dependency?):$lost"
	echo "$sum" >"$out/.s2view-config"
fi

### build
say "building $KERNEL $variant Image (cold: 15 to 40 minutes; warm: a few)"
start=$(date +%s)
kmake -j"$jobs" Image
mkdir -p "$(dirname "$image_out")"
cp "$out/arch/arm64/boot/Image" "$image_out"
say "built $image_out in $(($(date +%s) - start)) s"
