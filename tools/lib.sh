# lib.sh - shared settings for s2view's host-side tools (sourced, not run).
# shellcheck shell=sh disable=SC2034
# (the variables are used by the scripts that source this file)

# Everything downloaded or built from the kernel tree lives outside the clone,
# so a fresh clone reuses it: the unpacked 6.12 tree, ccache, the O= dirs.
S2VIEW_CACHE=${S2VIEW_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/s2view}
KSRC_TARBALL=/usr/src/linux-source-6.12.tar.xz
KSRC=$S2VIEW_CACHE/linux-source-6.12
KPRISTINE=$S2VIEW_CACHE/pristine
ARM64_ROOT=$S2VIEW_CACHE/arm64-root
CROSS=aarch64-linux-gnu-
CCACHE_DIR=${CCACHE_DIR:-$S2VIEW_CACHE/ccache}
export CCACHE_DIR

# The KVM modes every guest suite runs in.
S2VIEW_MODES="vhe nvhe protected"

die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

say() {
	echo "${0##*/}: $*"
}
