# gen.awk - systematic one-token mutants of a toolkit file: prints, per
# mutant, FILE SOH LINE SOH CLASS SOH the mutated line
# classes: cmp (a comparison flipped: < <=, > >=, == !=), const (an integer
# literal +1 and -1), bool (a condition negated), sort (a sort key changed)
BEGIN { SOH = sprintf("%c", 1); kind = "shell" }
# the literal s[i, j): its value + 1 and - 1 (not below 0)
function consts(s, i, j,    m) {
	m = substr(s, i, j - i) + 0
	emit("const", substr(s, 1, i - 1) (m + 1) substr(s, j))
	if (m > 0)
		emit("const", substr(s, 1, i - 1) (m - 1) substr(s, j))
}

function emit(cls, new) {
	if (new != $0)
		printf "%s%s%d%s%s%s%s\n", F, SOH, FNR, SOH, cls, SOH, new
}
# mark[i] = 1 when byte i of the line is code (outside "..." strings,
# /regex/ literals and, for shell, '...' strings)
function scan(s,    i, c, q, prev, n) {
	n = length(s); q = ""; prev = ""
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1)
		if (q != "") {
			code[i] = 0
			if (c == "\\" && q != "'") { code[i + 1] = 0; i++; continue }
			if (c == q) q = ""
			continue
		}
		if (c == "#" && (i == 1 || substr(s, i - 1, 1) ~ /[ \t]/)) { # a comment
			for (; i <= n; i++) code[i] = 0
			break
		}
		if (c == "\"" || (kind == "shell" && c == "'") || \
		    (kind == "awk" && c == "/" && prev ~ /^(|[~(,!&|])$/)) {
			q = c; code[i] = 0
			continue
		}
		code[i] = 1
		if (c !~ /[ \t]/) prev = c
	}
}
function allcode(i, len,    j) {
	for (j = i; j < i + len; j++) if (!code[j]) return 0
	return 1
}
# the index of the ) that closes the ( at i, or 0
function closing(s, i,    d, n, c) {
	d = 0; n = length(s)
	for (; i <= n; i++) {
		if (!code[i]) continue
		c = substr(s, i, 1)
		if (c == "(") d++
		else if (c == ")" && --d == 0) return i
	}
	return 0
}
FNR == 1 {
	F = FILENAME; sub(/.*\//, "", F)
	kind = F ~ /\.awk$/ ? "awk" : "shell"; inawk = kind == "awk"; inheredoc = 0
}
# the awk text inside the tools: from "summarise '" to the closing "'"
F ~ /\.sh$/ && /^summarise '$/ { inawk = 1; next }
F ~ /\.sh$/ && inawk && /^' / { inawk = 0; next }
kind == "shell" && !inawk && /<<'?[A-Z]+'?$/ { inheredoc = 1; next }
inheredoc { if (/^[A-Z]+$/) inheredoc = 0; next }
/^[ \t]*#/ || /^[ \t]*$/ { next }
{
	split("", code)
	k = inawk ? "awk" : "shell"
	save = kind; kind = k; scan($0); kind = save
	s = $0; n = length(s)
	if (k == "awk") awkline(s, n)
	else shline(s, n)
}
function awkline(s, n,    i, c2, c1, r, j, e, m) {
	for (i = 1; i <= n; i++) {
		if (!code[i]) continue
		c2 = substr(s, i, 2); c1 = substr(s, i, 1)
		# comparisons
		if (c2 == "<=" || c2 == ">=" || c2 == "==" || c2 == "!=") {
			if (allcode(i, 2)) {
				r = c2 == "<=" ? "<" : c2 == ">=" ? ">" : c2 == "==" ? "!=" : "=="
				emit("cmp", substr(s, 1, i - 1) r substr(s, i + 2))
			}
			i++
			continue
		}
		if ((c1 == "<" || c1 == ">") && substr(s, i + 1, 1) != ">" && \
		    substr(s, i - 1, 1) != ">") {
			emit("cmp", substr(s, 1, i - 1) c1 "=" substr(s, i + 1))
			continue
		}
		# integer literals (not a field $N, not inside a name)
		if (c1 ~ /[0-9]/ && (i == 1 || substr(s, i - 1, 1) !~ /[A-Za-z0-9_$.]/)) {
			for (j = i; j <= n && substr(s, j, 1) ~ /[0-9]/; j++) ;
			if (substr(s, j, 1) !~ /[A-Za-z_.]/ && allcode(i, j - i)) {
				consts(s, i, j)
			}
			i = j - 1
			continue
		}
		# conditions of if and while: negated
		if ((substr(s, i, 4) == "if (" && (i == 1 || substr(s, i - 1, 1) !~ /[A-Za-z_]/)) || \
		    (substr(s, i, 7) == "while (")) {
			j = index(substr(s, i), "(") + i - 1
			e = closing(s, j)
			if (e)
				emit("bool", substr(s, 1, j) "!(" substr(s, j + 1, e - j - 1) ")" substr(s, e))
		}
		# a negation dropped
		if (c1 == "!" && substr(s, i + 1, 1) !~ /[=~]/)
			emit("bool", substr(s, 1, i - 1) substr(s, i + 1))
	}
}
function shline(s, n,    i, w, r, j, m) {
	for (i = 1; i <= n; i++) {
		if (!code[i]) continue
		w = substr(s, i, 4)
		if (w ~ /^-(eq|ne|gt|ge|lt|le) $/ && substr(s, i - 1, 1) == " ") {
			r = w == "-eq " ? "-ne " : w == "-ne " ? "-eq " : w == "-gt " ? "-ge " : \
			    w == "-ge " ? "-gt " : w == "-lt " ? "-le " : "-lt "
			emit("cmp", substr(s, 1, i - 1) r substr(s, i + 4))
			i += 3
			continue
		}
		if (substr(s, i, 3) == " = " && allcode(i, 3) && index(substr(s, 1, i), "[ ")) {
			emit("cmp", substr(s, 1, i - 1) " != " substr(s, i + 3))
			continue
		}
		if (substr(s, i, 4) == " != " && allcode(i, 4)) {
			emit("cmp", substr(s, 1, i - 1) " = " substr(s, i + 4))
			continue
		}
		if (substr(s, i, 1) ~ /[0-9]/ && substr(s, i - 1, 1) == " ") {
			for (j = i; j <= n && substr(s, j, 1) ~ /[0-9]/; j++) ;
			if (substr(s, j, 1) ~ /^([ ;)]|)$/ && allcode(i, j - i)) {
				consts(s, i, j)
			}
			i = j - 1
			continue
		}
		if (substr(s, i, 2) == "[ " && (i == 1 || substr(s, 1, i - 1) ~ /(^[ \t]*|if |while |&& |\|\| |; )$/))
			emit("bool", substr(s, 1, i - 1) "! " substr(s, i))
		if (substr(s, i, 7) == "sort -n")
			emit("sort", substr(s, 1, i + 4) substr(s, i + 7))
	}
}
