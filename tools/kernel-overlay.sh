#!/bin/sh
# kernel-overlay.sh - put s2view's kernel changes on a cached kernel tree.
#
# USAGE: KERNEL=6.12|7.3 tools/kernel-overlay.sh
#
# The series of a kernel is kernel/patches/KERNEL/NNNN-*.patch (git
# format-patch mails that change existing files of that tree) plus, per
# patch, the new files listed as "<file in this repo> <path in the kernel
# tree>" in kernel/patches/NNNN-*.files (shared by every kernel) and in
# kernel/patches/KERNEL/NNNN-*.files (that kernel's own).
# The desired content of every file the series touches is computed from the
# pristine copy, and a tree file is rewritten only when it differs, so make
# rebuilds only what changed. Files the series no longer touches get their
# pristine content back.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tools/lib.sh"

[ -d "$KSRC" ] || die "no kernel tree at $KSRC (run tools/build-kernel.sh)"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
list=$KSRC/.s2view-overlay

### pristine copies of files the patches change
pristine() {
	# $1: path in the tree; keeps the original the first time it is seen
	if [ ! -f "$KPRISTINE/$1" ]; then
		mkdir -p "$KPRISTINE/$(dirname "$1")"
		if [ -f "$KSRC/$1" ]; then
			cp -p "$KSRC/$1" "$KPRISTINE/$1"
		else
			: >"$KPRISTINE/$1.absent"
		fi
	fi
}

# S2VIEW_EXTRA_PATCHES: more patches, after the series (make bench builds a
# kernel without the stage-2 stats with kernel/bench/no-stage2-stats.patch).
for p in "$KPATCHES"/*.patch ${S2VIEW_EXTRA_PATCHES:-}; do
	[ -f "$p" ] || continue
	# "+++ b/arch/arm64/kvm/arm.c" -> arch/arm64/kvm/arm.c
	touched=$(sed -n 's|^+++ b/||p' "$p")
	for f in $touched; do
		pristine "$f"
		if [ ! -f "$stage/$f" ] && [ -f "$KPRISTINE/$f" ]; then
			mkdir -p "$stage/$(dirname "$f")"
			cp "$KPRISTINE/$f" "$stage/$f"
		fi
	done
	patch -s -p1 -d "$stage" --no-backup-if-mismatch <"$p" ||
		die "$(basename "$p") does not apply to the $KERNEL tree"
done

for l in $(series_files); do
	name=${l#"$top"/}
	grep -v '^#' "$l" | while read -r src dst; do
		[ -n "$src" ] || continue
		[ -f "$top/$src" ] || die "$name: no $src"
		mkdir -p "$stage/$(dirname "$dst")"
		cp "$top/$src" "$stage/$dst"
	done
done

### install what differs, restore what is no longer ours
new_list=$(cd "$stage" && find . -type f | sed 's|^\./||' | sort)
for f in $new_list; do
	if ! cmp -s "$stage/$f" "$KSRC/$f"; then
		mkdir -p "$KSRC/$(dirname "$f")"
		cp "$stage/$f" "$KSRC/$f"
		echo "  OVERLAY $f"
	fi
done
if [ -f "$list" ]; then
	old_list=$(cat "$list")
	for f in $old_list; do
		echo "$new_list" | grep -qx "$f" && continue
		if [ -f "$KPRISTINE/$f" ]; then
			cp "$KPRISTINE/$f" "$KSRC/$f"
		else
			rm -f "$KSRC/$f"
		fi
		echo "  RESTORE $f"
	done
fi
echo "$new_list" >"$list"
