#!/bin/sh
# make-patches.sh - the kernel changes as a git format-patch series.
#
# USAGE: KERNEL=6.12|7.3 tools/make-patches.sh OUTDIR
#   e.g. KERNEL=7.3 tools/make-patches.sh build/patches/7.3   (make patches)
#
# Builds a scratch git repository (OUTDIR-series) whose first commit holds
# the pristine copies, from the KERNEL tree, of every file the series
# changes, then one commit per kernel/patches/KERNEL/NNNN-*.patch: the
# patch's own changes (git am) plus the new files its lists name (the shared
# kernel/patches/NNNN-*.files and KERNEL/NNNN-*.files). The commits are
# exported with git format-patch into OUTDIR and checked with the tree's
# checkpatch.pl --strict. The series applies to the pristine KERNEL tree.
#
# REQUIREMENTS: tools/install-deps.sh has run.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tools/lib.sh"

[ $# -eq 1 ] || { echo "USAGE: tools/make-patches.sh OUTDIR" >&2; exit 2; }
mkdir -p "$1"
out=$(cd "$1" && pwd)
repo=$out-series
ident="s2view dev"
email="dev@s2view.invalid"

"$top/tools/build-kernel.sh" -u

### base: the pristine files the series changes
rm -rf "$repo" "$out"/*.patch
mkdir -p "$repo"
cd "$repo"
git init -q
git config user.name "$ident"
git config user.email "$email"
files=$(cat "$KPATCHES"/*.patch | sed -n 's|^+++ b/||p' | sort -u)
for f in $files; do
	[ -f "$KPRISTINE/$f" ] || continue # a file the series creates
	mkdir -p "$(dirname "$f")"
	cp "$KPRISTINE/$f" "$f"
done
git add -A
git commit -q -m "Linux $KERNEL (the files the series changes)"
base=$(git rev-parse HEAD)

### one commit per patch
for p in "$KPATCHES"/*.patch; do
	git am -q "$p" || die "$KERNEL/$(basename "$p") does not apply"
	for l in $(series_files "$p"); do
		grep -v '^#' "$l" | while read -r src dst; do
			[ -n "$src" ] || continue
			mkdir -p "$(dirname "$dst")"
			cp "$top/$src" "$dst"
			git add "$dst"
		done
		git commit -q --amend --no-edit
	done
done

git format-patch -q -o "$out" "$base"..HEAD
say "the series, in ${out#"$top"/}:"
for p in "$out"/*.patch; do
	echo "  ${p##*/}"
done

### every new file has maintainers
status=0
maintainers=$repo/MAINTAINERS
[ -f "$maintainers" ] || maintainers=$KSRC/MAINTAINERS
patterns=$(sed -n 's/^F:[[:space:]]*//p' "$maintainers")
# shellcheck disable=SC2046 # paths without spaces
new_files=$(grep -hv '^#' $(series_files) | cut -d' ' -f2)
for dst in $new_files; do
	found=
	for pat in $patterns; do
		# shellcheck disable=SC2254 # the F: entries are globs
		case $dst in $pat|$pat*) found=1; break ;; esac
	done
	[ -n "$found" ] || { echo "no MAINTAINERS entry covers $dst"; status=1; }
done

### test hooks ship only with their test option, which defaults to n
# A kernel built from the series with Kconfig defaults must have no way for
# the host to call the snapshot hypercall with arguments of its choosing.
hooks=arch/arm64/kvm/kvm_s2_host_test.c
# shellcheck disable=SC2016 # a Makefile line, not an expansion
! echo "$new_files" | grep -qx "$hooks" ||
	grep -qx 'kvm-$(CONFIG_KVM_S2_HOST_SNAPSHOT_TEST) += kvm_s2_host_test.o' \
		"$repo/arch/arm64/kvm/Makefile" ||
	{ echo "$hooks is not built only with KVM_S2_HOST_SNAPSHOT_TEST"; status=1; }
if sed -n '/^config KVM_S2_HOST_SNAPSHOT_TEST$/,/^$/p' "$repo/arch/arm64/kvm/Kconfig" |
	grep -q '^[[:space:]]*default'; then
	echo "KVM_S2_HOST_SNAPSHOT_TEST has a default: it must default to n"
	status=1
fi
for dst in $new_files; do
	[ "$dst" = "$hooks" ] && continue
	if grep -q 'debugfs_create' "$repo/$dst"; then
		echo "$dst creates debugfs files: test hooks belong in $hooks"
		status=1
	fi
done

### checkpatch --strict, run from the tree
# Ignored: CAMELCASE, whose only hits are the arm64 memory-type names of
# arch/arm64/include/asm/memory.h (MT_S2_DEVICE_nGnRE), which checkpatch does
# not learn (it seeds its list from include/ only; KVM's pgtable.c uses the
# same names); FILE_PATH_CHANGES, which asks whether MAINTAINERS needs
# updating for new files: checked just above instead.
for p in "$out"/*.patch; do
	if ! report=$(cd "$KSRC" && perl scripts/checkpatch.pl --strict --terse \
		--ignore CAMELCASE,FILE_PATH_CHANGES "$p" 2>/dev/null); then
		echo "$report"
		status=1
	fi
done
[ $status -eq 0 ] && say "checkpatch --strict: clean"
exit $status
