#!/bin/sh
# mutants.sh - do the host tests catch wrong code? Break the toolkit one
# token at a time and count how many breaks the tests notice.
#
# USAGE: tools/mutants.sh [-h] [-v] [-l]
#   -v   show which test file killed each mutant
#   -l   the hand-written list below instead of the systematic mutants
#
# The systematic mutants (the default) are made by tools/mutants-gen.awk
# from scripts/s2lib.awk, s2lib.sh, s2summ.sh and s2owner.sh, one per
# token of code (not in comments, strings, regexes or the usage text):
#   cmp    every comparison flipped (< <=, > >=, == !=, -eq -ne, -gt -ge,
#          -lt -le, = !=)
#   const  every integer literal +1 and -1
#   bool   every if/while condition and shell test negated, every ! dropped
#   sort   every sort key changed (sort -n to sort)
# The hand-written list (-l) breaks lines as a reader of the README would
# (a count doubled, a check turned off, the granule fixed at 4K, ...).
#
# Each mutant is a copy of scripts/ with one line changed. The host tests
# of the toolkit (output, validation, boundaries, numbers, format, granules,
# s2summ, s2owner .bats; stopping at the first that fails) run on the copy
# through S2VIEW_SCRIPTS, under the userlands of MUTANT_SHELLS (default:
# dash, the quickest; the four userlands agree byte for byte, which the
# normal run checks). A mutant is killed when a test fails, and survives
# when all pass. The equivalent mutants (no input can tell them from the
# toolkit) are listed with the reason in docs/mutants.md and not counted.
# MUTANTS_SAMPLE=N runs every (total/N)-th mutant only (a survivor runs the
# whole suite, about 5 minutes under dash: the 1,300 systematic mutants
# take hours). Prints the survivors and the score; exit status 1 when the
# score is below MUTANTS_MIN percent (default 90), or when a hand-written
# mutation no longer applies (its line changed: update the list).
#
# REQUIREMENTS: bats and what tests/host needs (tools/install-deps.sh).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

verbose='' listed=''
while getopts hvl opt; do
	case $opt in
	v) verbose=1 ;;
	l) listed=1 ;;
	*) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done

### the hand-written mutants: FILE @@ TEXT @@ REPLACEMENT (the first line
### holding TEXT)
mutants() {
	cat <<'MUTANTS'
s2summ.sh @@ 	AN[ATTR]++ @@ 	AN[ATTR] += 2
s2summ.sh @@ 	NMAPPED++ @@ 	NMAPPED += 2
s2summ.sh @@ 	MAPPED += SZ @@ 	MAPPED += SZ + SZ
s2summ.sh @@ A[K[j]] > A[K[j - 1]] @@ A[K[j]] < A[K[j - 1]]
s2summ.sh @@ TOPS[i - 1] < SZ @@ TOPS[i - 1] > SZ
s2summ.sh @@ 	if (AF == 0) @@ 	if (AF == 1)
s2summ.sh @@ NRUNS++; RUNOPEN = 1 @@ RUNOPEN = 1
s2summ.sh @@ e - RUNS > BIGRUN @@ e - RUNS < BIGRUN
s2summ.sh @@ 			blk += BYT[i] @@ 			blk += 0
s2summ.sh @@ CNT[i] = GI ? BY[l, t] / esz(l) @@ CNT[i] = GI ? BY[l, t] / 4096
s2summ.sh @@ 			else if (SB[k] == s) @@ 			else if (0)
s2summ.sh @@ 				ch = "P" @@ 				ch = "M"
s2summ.sh @@ 		if ((H - L) / s <= 1024) @@ 		if ((H - L) / s <= 2048)
s2summ.sh @@ 	if (mapped != MAPPED) @@ 	if (0)
s2summ.sh @@ 	if (!RUNOPEN) { # a run @@ 	if (1) { # a run
s2summ.sh @@ NRUNS == 1 ? "" : "s" @@ "s"
s2owner.sh @@ 	known = IPA - OB["unmapped"] @@ 	known = IPA
s2owner.sh @@ own = st == "shared-borrowed" ? "borrowed" : "host" @@ own = "host"
s2owner.sh @@ st = STATE == "" ? "owned" : STATE @@ st = STATE == "" ? "shared-owned" : STATE
s2owner.sh @@ OB[own] += SZ; ON[own]++ @@ OB[own] += SZ; ON[own] += 2
s2owner.sh @@ TOPS[i - 1] < sz @@ TOPS[i - 1] > sz
s2owner.sh @@ 	if (own == "hyp") { @@ 	if (own == "ffa") {
s2owner.sh @@ length(a) != length(b) ? length(a) < length(b) : a < b @@ a < b
s2owner.sh @@ 	if (HAVE[ctr] && CTR[ctr] != v + 0) @@ 	if (0)
s2lib.awk @@ 	return any ? g : 0 @@ 	return any ? 1 : 0
s2lib.awk @@ 			e *= GR[g] / 8 @@ 			e *= GR[g] / 4
s2lib.awk @@ 		v = v * 256 + H2[substr(s, i, 2)] @@ 		v = v * 255 + H2[substr(s, i, 2)]
s2lib.awk @@ 	for (d = 1; d < 6 && b % 1024 == 0; d++) @@ 	for (d = 1; d < 6 && b % 1000 == 0; d++)
s2lib.awk @@ 	if (b % d == 0) @@ 	if (b % d != 0)
s2lib.awk @@ 	for (p = 2; p <= 6; p++) { @@ 	for (p = 0; p <= 6; p++) {
s2lib.awk @@ 	p = 100 * a / b @@ 	p = 10 * a / b
s2lib.awk @@ 	if (!(LV in LVOK)) @@ 	if (0)
s2lib.awk @@ 	if (E <= S) @@ 	if (0)
s2lib.awk @@ 		if (IPA && LASTE != IPA) @@ 		if (0)
s2lib.awk @@ 			if (S < LASTE) @@ 			if (0)
s2lib.awk @@ UNIT[substr(f, length(f))] != sz) @@ UNIT[substr(f, length(f))] != sz && 0)
s2lib.awk @@ 	if (f != xsize(sz)) @@ 	if (0)
s2lib.awk @@ 	if (VALID && (S % GS[1, LV] || SZ % GS[1, LV])) @@ 	if (0)
s2lib.awk @@ 	if (index($0, "^") || index($0, "M-")) @@ 	if (0)
s2lib.awk @@ 	if (NF < 6 || index($6, "=")) @@ 	if (NF < 6)
s2lib.awk @@ 	if (NF == 7 && $7 == "af=1" && VALID) @@ 	if (NF == 7 && $7 == "af=1")
s2lib.awk @@ 		if (LV != 3) @@ 		if (0)
s2lib.awk @@ 	if (PE !~ /^[r-][w-][x-]$/) @@ 	if (0)
s2lib.awk @@ 	if (p > 1) { @@ 	if (0) {
s2lib.awk @@ 		IPABITS = v + 0 @@ 		IPABITS = v + 1
s2lib.sh @@ 		if [ "$3" = - ]; then cat -v; else cat -v -- "$3"; fi || @@ 		if [ "$3" = - ]; then cat; else cat -- "$3"; fi ||
s2lib.sh @@ 	[ "$HAVE_OPERAND" = 0 ] || usage_error @@ 	true || usage_error
s2lib.sh @@ 		0?*) TOPN=${TOPN#0} ;; @@ 		0?*) break ;;
s2lib.sh @@ 		*) operand "$what" "$1" ;; @@ 		*) break ;;
s2summ.sh @@ mapped = HAVE["mapped_bytes"] ? CTR["mapped_bytes"] : MAPPED @@ mapped = MAPPED
s2summ.sh @@ A[K[j]] == A[K[j - 1]] && K[j] < K[j - 1] @@ A[K[j]] == A[K[j - 1]] && K[j] > K[j - 1]
s2summ.sh @@ hum(CTR["table_pages"] * GR[GI]) @@ hum(CTR["table_pages"] * 4096)
s2summ.sh @@ f, sprintf("%.0f", BIGRUN)) @@ f, sprintf("%.0f", BIGRUN + 4096))
s2summ.sh @@ 		row = s * 64 @@ 		row = s * 32
s2summ.sh @@ " (pid " CTRS["pid"] ")" @@ " (pid " CTRS["pid"] + 1 ")"
s2owner.sh @@ 	if (OWNER != "" || STATE != "") @@ 	if (OWNER != "")
s2owner.sh @@ K[i] == "unmapped" ? "-" : pct(OB[K[i]], known) @@ pct(OB[K[i]], known)
s2owner.sh @@ pct(SB[ST[i]], MAPPED), SN[ST[i]] @@ pct(SB[ST[i]], IPA), SN[ST[i]]
s2owner.sh @@ HOPEN = 1; HS = S; HE = E; HN = 1 @@ HOPEN = 1; HS = S; HE = E; HN = 0
s2lib.awk @@ 	d = x % 65536; x = (x - d) / 65536 @@ 	d = x % 65536; x = (x - d) / 65535
s2lib.awk @@ 	if (p > 0 && p < 0.05) @@ 	if (p > 0 && p < 0.5)
s2lib.awk @@ 	if (p < 100 && p >= 99.95) @@ 	if (p < 100 && p >= 99.5)
s2lib.awk @@ 		if (N == 0) @@ 		if (0)
s2lib.awk @@ 			if (v + 0 < 12 || v + 0 > 52) { @@ 			if (v + 0 < 12 || v + 0 > 64) {
s2lib.sh @@ */s2 | s2) PIDFILE=${S2DIR%s2}pid MSFILE=${S2DIR%s2}memslots ;; @@ */s2 | s2) MSFILE=${S2DIR%s2}memslots ;;
s2owner.sh @@ find_s2 "$p" . s2 host/s2 @@ find_s2 "$p" . s2
s2lib.awk @@ 	if (index($0, "M-") || index($0, "^")) @@ 	if (0)
s2lib.awk @@ 	if (NF < 6) @@ 	if (NF < 5)
s2lib.awk @@ 		if (k < 2 || k == length($j)) @@ 		if (0)
s2lib.awk @@ 	if (E0 <= S0) @@ 	if (0)
s2lib.awk @@ 	chksize($2, E0 - S0) @@ 	S0 = S0
s2lib.awk @@ 	if ($3 !~ /^slot=(0|[1-9][0-9]*)$/) @@ 	if ($3 !~ /^slot=[0-9]+$/)
s2lib.awk @@ 	if ($4 !~ /^as=(0|[1-9][0-9]*)$/) @@ 	if (0)
s2lib.awk @@ 	if ($5 !~ /^hva=0x[0-9a-fA-F]+$/ || length($5) != 22) @@ 	if ($5 !~ /^hva=0x[0-9a-fA-F]+$/)
s2lib.awk @@ 	if ($6 !~ /^flags=(-| @@ 	if (0 && $6 !~ /^flags=(-|
s2lib.awk @@ 	if (S0 % GS[1, 3] || E0 % GS[1, 3]) @@ 	if (0)
s2lib.awk @@ 	if (h >= TWO52) @@ 	if (0)
s2lib.awk @@ 	if (h % GS[1, 3]) @@ 	if (0)
s2lib.awk @@ 	if (NSL && S0 < SLS[NSL]) @@ 	if (0)
s2lib.awk @@ 		if (S0 < SLE[j]) @@ 		if (0)
s2lib.awk @@ 	if ((as, id) in SLSEEN) @@ 	if (0)
s2lib.awk @@ 	SLDL[NSL] = index(fl, "dirty-log") == 1 @@ 	SLDL[NSL] = 0
s2lib.awk @@ SLH[NSL] = h; @@ SLH[NSL] = h + 4096;
s2lib.awk @@ 		INSL = 0; SRC = RSRC @@ 		INSL = 0
s2lib.awk @@ RSRC = SRC; SRC = MSSRC = v; @@ RSRC = SRC; MSSRC = v;
s2lib.awk @@ (INSL ? "memslots" : "ranges") @@ "ranges"
s2lib.sh @@ 		if [ -n "$5" ]; then @@ 		if false; then
s2summ.sh @@ memslots_at "$MSFILE" @@ memslots_at ""
s2summ.sh @@ 			ZMIS[k] = (SLH[i] % b != SLS[i] % b) @@ 			ZMIS[k] = 0
s2summ.sh @@ 			ZLO[k] = int((SLS[i] + b - 1) / b) * b @@ 			ZLO[k] = SLS[i]
s2summ.sh @@ 			ZHI[k] = int(SLE[i] / b) * b @@ 			ZHI[k] = SLE[i]
s2summ.sh @@ 			b = w ? GS[w, 2] : GS[1, 1] @@ 			b = w ? GS[1, 2] : GS[1, 1]
s2summ.sh @@ 		if (SLAS[i] != "0") @@ 		if (0)
s2summ.sh @@ 	while (ZC < NZ && ZE[ZC + 1] <= S) @@ 	while (0)
s2summ.sh @@ 		SMAP[z] += b - a @@ 		SMAP[z] += 2 * (b - a)
s2summ.sh @@ 			SBLK[z] += b - a @@ 			SBLK[z] += 0
s2summ.sh @@ 			for (w = 1; w <= FITG[3]; w++) { @@ 			for (w = 1; w <= 1; w++) {
s2summ.sh @@ 			CM += SZ @@ 			CM += SZ + SZ
s2summ.sh @@ 				CI += i @@ 				CI += 0
s2summ.sh @@ 	CFAST = (FITG[3] == 1) @@ 	CFAST = 1
s2summ.sh @@ SIN[CZ * 4 + 1] += CI @@ SIN[CZ * 4 + 1] += 0
s2summ.sh @@ 		p = w ? SPG[z] : SL2[z] @@ 		p = SPG[z]
s2summ.sh @@ 		if (ZDL[z]) { @@ 		if (0) {
s2summ.sh @@ 			WHY[w, 1] += p @@ 			WHY[w, 2] += p
s2summ.sh @@ 			WHY[w, 3] += p - SIN[z * 4 + w] @@ 			WHY[w, 3] += p
s2summ.sh @@ 	OUTB += b - a @@ 	OUTB += 0
s2summ.sh @@ 	if (++NOUT <= 10) @@ 	if (++NOUT <= 5)
s2summ.sh @@ 		if (SLE[i] > IPA) @@ 		if (0)
s2summ.sh @@ 	if (INCONS) @@ 	if (0)
s2summ.sh @@ 		slotcheck() @@ 		HAVESL = HAVESL
s2summ.sh @@ pct(SMAP[z], sz), hum(SBLK[z]), pct(SBLK[z], SMAP[z]) @@ pct(SMAP[z], SMAP[z]), hum(SBLK[z]), pct(SBLK[z], sz)
s2summ.sh @@ sprintf("%.0f", SLE[i] - SLS[i])) @@ sprintf("%.0f", SLE[i]))
s2summ.sh @@ 	if (GI == 1) # (level-1 blocks: 4K granule only) @@ 	if (GI)
s2summ.sh @@ 			if (GI == 1) # 2M blocks, 1G windows @@ 			if (GI)
s2summ.sh @@ BY[3, "page"], OUTP) @@ BY[3, "page"] + OUTP, OUTP)
s2summ.sh @@ 		out("WHY PAGES: unknown without @@ 		out("WHY PAGES: without
s2lib.awk @@ E - LASTE - TZ == FCL && E <= FLIM) { @@ E - LASTE - TZ == FCL) {
s2lib.awk @@ 	FCL = (LV + 4 * c) / 64 @@ 	FCL = LV / 64
s2lib.awk @@ 	FCL = (LV + 4 * c) / 64 @@ 	FCL = c / 64
s2lib.awk @@ 	FN[TL]++ @@ 	FN[TL] += 2
s2lib.awk @@ 	if (FTOK && FTT != "") @@ 	if (FTT != "")
s2lib.awk @@ 	N = LN - 1 # @@ 	N = LN #
s2lib.awk @@ 	LN = NR - NR0 - 1 # @@ 	LN = NR - NR0 #
s2summ.sh @@ FASTLIM = E >= CS && E < CE ? CE : 0 @@ FASTLIM = TWO52
s2summ.sh @@ 		ME[NMS] = b @@ 		ME[NMS] = FA
s2summ.sh @@ 			runend(S, N - 1) @@ 			runend(S, N)
s2summ.sh @@ 		AB[a] += b @@ 		AB[a] += 0
s2summ.sh @@ 		NMAPPED += n @@ 		NMAPPED += 0
s2summ.sh @@ 		if (FAF[t] == 0) @@ 		if (FAF[t] == 1)
s2summ.sh @@ 		inslots(FA, b, FL) @@ 		FA = FA
s2lib.awk @@ 	FCL2 = FITG[LV] ? (LV + 4 * (1 - c)) / 64 : 0.5 @@ 	FCL2 = (LV + 4 * (1 - c)) / 64
s2lib.awk @@ E - LASTE - TZ == FCL2 && E <= LIM0 @@ E - LASTE - TZ == FCL2
s2lib.awk @@ ATTR = TAT[TL]; VALID = TVA[TL]; @@ ATTR = TAT[TL]; VALID = 1;
s2lib.awk @@ 	c = FCL; FCL = FCL2; FCL2 = c @@ 	c = FCL; FCL2 = c
s2lib.awk @@ 		GI = granule() @@ 		GI = 1
MUTANTS
}

### apply one mutant to a copy of scripts/ in $1
apply() { # DIR FILE TEXT REPLACEMENT
	awk -v from="$3" -v to="$4" '
		!done && (i = index($0, from)) {
			$0 = substr($0, 1, i - 1) to substr($0, i + length(from))
			done = 1
		}
		{ print }
		END { exit !done }' "$1/$2" >"$1/$2.new" &&
		mv "$1/$2.new" "$1/$2"
}

setline() { # DIR FILE LINE NEWTEXTFILE: line LINE of DIR/FILE becomes the text
	awk -v n="$3" 'NR == FNR { t = $0; next } FNR == n { print t; next } { print }' \
		"$4" "$1/$2" >"$1/$2.new" && mv "$1/$2.new" "$1/$2"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
shells=${MUTANT_SHELLS:-dash}
files="output validation boundaries numbers format granules s2summ s2owner"
soh=$(printf '\001')

### a sanity run: the unmutated scripts pass (MUTANTS_SANITY=no: skipped,
### when make check-host has just passed)
[ "${MUTANTS_SANITY:-}" = no ] ||
for f in $files; do
	S2_SHELLS=$shells bats "tests/host/$f.bats" >"$tmp/log" 2>&1 || {
		echo "mutants: tests/host/$f.bats fails without any mutant:" >&2
		grep -A5 '^not ok' "$tmp/log" >&2
		exit 1
	}
done

### the list: FILE SOH LINE SOH CLASS SOH NEW LINE (systematic), or the
### hand-written FILE @@ TEXT @@ REPLACEMENT
if [ -n "$listed" ]; then
	mutants >"$tmp/list"
else
	awk -f tools/mutants-gen.awk scripts/s2lib.awk scripts/s2lib.sh \
		scripts/s2summ.sh scripts/s2owner.sh >"$tmp/list"
fi
# the equivalent ones: FILE SOH CLASS SOH NEW LINE, from docs/mutants.md
# shellcheck disable=SC2016 # (backquotes: the markdown fence)
sed -n '/^```equivalent$/,/^```$/p' docs/mutants.md | sed '1d; $d' |
	awk -F ' @@ ' -v soh="$soh" 'NF >= 3 { print $1 soh $2 soh $3 }' >"$tmp/equiv"
total=$(($(wc -l <"$tmp/list")))
every=1
[ -z "${MUTANTS_SAMPLE:-}" ] || [ "$MUTANTS_SAMPLE" -ge "$total" ] ||
	every=$((total / MUTANTS_SAMPLE))

i=0 n=0 killed=0 stale=0 equiv=0
survivors=
while IFS= read -r m; do
	i=$((i + 1))
	[ $(((i - 1) % every)) -eq 0 ] || continue
	rm -rf "$tmp/s"
	cp -r scripts "$tmp/s"
	if [ -n "$listed" ]; then
		file=${m%% @@ *}
		rest=${m#* @@ }
		from=${rest%% @@ *}
		to=${rest#* @@ }
		what="$file: $from -> $to"
		if ! apply "$tmp/s" "$file" "$from" "$to"; then
			echo "mutant $i: no longer applies (update tools/mutants.sh): $file: $from"
			stale=$((stale + 1))
			continue
		fi
	else
		file=${m%%"$soh"*}
		rest=${m#*"$soh"}
		line=${rest%%"$soh"*}
		rest=${rest#*"$soh"}
		class=${rest%%"$soh"*}
		text=${rest#*"$soh"}
		# (an equivalent mutant: listed with its reason, not counted)
		if grep -qxF "$file$soh$class$soh$(echo "$text" | sed 's/^[[:space:]]*//')" "$tmp/equiv"; then
			equiv=$((equiv + 1))
			continue
		fi
		printf '%s\n' "$text" >"$tmp/text"
		setline "$tmp/s" "$file" "$line" "$tmp/text"
		what="$file:$line ($class): $(echo "$text" | sed 's/^[[:space:]]*//')"
	fi
	n=$((n + 1))
	by=
	for f in $files; do
		if ! S2VIEW_SCRIPTS=$tmp/s S2_SHELLS=$shells bats "tests/host/$f.bats" \
			>"$tmp/log" 2>&1 </dev/null; then
			by=$f
			break
		fi
	done
	if [ -n "$by" ]; then
		killed=$((killed + 1))
		[ -z "$verbose" ] || echo "mutant $i killed by $by.bats: $what"
	else
		echo "mutant $i SURVIVED: $what"
		survivors="$survivors $i"
	fi
done <"$tmp/list"

[ "$n" -gt 0 ] || { echo "mutants: none run" >&2; exit 1; }
score=$((killed * 100 / n))
sampled=
[ "$every" -eq 1 ] || sampled=" (every $every-th)"
echo "mutants: $killed of $n killed ($score%) of $total$sampled," \
	"$equiv equivalent not counted${survivors:+; survivors:$survivors}"
[ "$stale" -eq 0 ] || { echo "mutants: $stale no longer apply" >&2; exit 1; }
[ "$score" -ge "${MUTANTS_MIN:-90}" ]
