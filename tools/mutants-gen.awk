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
# (CMT: where a comment starts, or 0)
function scan(s,    i, c, q, prev, n) {
	n = length(s); q = ""; prev = ""; CMT = 0
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1)
		if (q != "") {
			code[i] = 0
			if (c == "\\" && q != "'") { code[i + 1] = 0; i++; continue }
			if (c == q) q = ""
			continue
		}
		if (c == "#" && (i == 1 || substr(s, i - 1, 1) ~ /[ \t]/)) { # a comment
			CMT = i
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
	if (COV && OUT != "") cover_end()
	F = FILENAME; sub(/.*\//, "", F)
	kind = F ~ /\.awk$/ ? "awk" : "shell"; inawk = kind == "awk"; inheredoc = 0
	if (COV) cover_begin()
}
{
	line = $0
	split("", code)
	# the awk text inside the tools: from "summarise '" to the closing "'"
	if (F ~ /\.sh$/ && /^summarise '$/) {
		inawk = 1
		if (COV) line = line "BEGIN { s2cov_(\"" F ":0\") }"
	} else if (F ~ /\.sh$/ && inawk && /^' /)
		inawk = 0
	else if (kind == "shell" && !inawk && /<<'?[A-Z]+'?$/)
		inheredoc = 1
	else if (inheredoc) {
		if (/^[A-Z]+$/)
			inheredoc = 0
	} else if (!/^[ \t]*#/ && !/^[ \t]*$/) {
		k = inawk ? "awk" : "shell"
		save = kind; kind = k; scan($0); kind = save
		s = $0; n = length(s)
		if (COV)
			line = cover(k, s, n)
		else if (k == "awk")
			awkline(s, n)
		else
			shline(s, n)
	}
	if (COV)
		print line > OUT
}
END { if (COV) cover_end() }

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

### COV=DIR: no mutants; instead, a copy of each file in DIR that logs, per
### test, which lines of awk code it runs (tools/mutants.sh runs only the
### tests that reach a mutant's line), and DIR/map: "FILE LINE PROBE" for
### every line of code, PROBE being one that runs whenever the line does:
###   FILE:N     line N itself, a statement at the start of its line in a
###              block: the probe goes before it
###   FILE:N{    the awk block opened by the "{" that ends line N: the probe
###              goes after it
###   FILE:0     the awk program
###   FILE:sh    the shell file (all its shell lines: coarse, but few)
### A line with no probe of its own (a continued statement, a body of an if
### without braces, an else) gets the last probe before it in its block,
### which runs whenever it does. Each probe logs "TESTFILE TESTNUMBER
### PROBE" into DIR/log the first time an awk process (or the shell file)
### runs it. No line moves: the probes go into lines, the function after
### the last line.
function cover_begin() {
	OUT = COV "/" F; NB = 0; STK[0] = F ":0"; SHDONE = 0; CONT = BODY = HDR = 0
}
function cover_end() {
	if (OUT ~ /\.awk$/) {
		print "function s2cov_(id) {" > OUT
		print "\tif (id in S2COVS)" > OUT
		print "\t\treturn" > OUT
		print "\tS2COVS[id]" > OUT
		print "\tprintf \"%s %s %s\\n\", ENVIRON[\"BATS_TEST_FILENAME\"], " \
		    "ENVIRON[\"BATS_TEST_NUMBER\"], id >> \"" COV "/log\"" > OUT
		print "\tclose(\"" COV "/log\")" > OUT
		print "}" > OUT
		print "BEGIN { s2cov_(\"" F ":0\") }" > OUT
	}
	close(OUT)
}
# line s (n bytes) of kind k: its map entry; returns it with its probes
function cover(k, s, n,    i, c, first, last, lead, t, own, stmt, tail) {
	if (k == "shell") {
		print F, FNR, F ":sh" > (COV "/map")
		if (SHDONE++)
			return s
		return s "; echo \"${BATS_TEST_FILENAME:-} ${BATS_TEST_NUMBER:-} " \
		    F ":sh\" >>" COV "/log"
	}
	# the braces: those that close the blocks before the line's code,
	# then the others
	lead = 1; first = last = 0
	for (i = 1; i <= (CMT ? CMT - 1 : n); i++) {
		if ((c = substr(s, i, 1)) ~ /[ \t]/)
			continue
		last = i # (a string or regex too: what the line ends with)
		if (!code[i]) {
			if (lead) {
				lead = 0; first = i
			}
			continue
		}
		if (c == "}") {
			if (NB > 0)
				NB--
		} else if (lead) {
			lead = 0; first = i
		}
		if (c == "{") { # (one closed on this line, most likely)
			NB++
			STK[NB] = STK[NB - 1]
		}
	}
	if (!last)
		return s
	t = first ? substr(s, first) : ""
	tail = substr(s, 1, last)
	# a statement starts here (not a continued one, not the body of an if
	# without braces, not an else): it gets a probe of its own
	stmt = first && !CONT && !BODY && NB - (substr(s, last, 1) == "{") > 0 && \
	    t !~ /^(else|\{)/
	if (!CONT) # (an if, while or for, or an else: then maybe a body)
		HDR = t ~ /^((if|while|for) *\(|else)/
	CONT = code[last] && tail ~ /(&&|\|\||[\\,?:(=*\/]|[^+]\+|[^-]-)$/
	BODY = !CONT && HDR && tail ~ /(\)|else)$/
	if (stmt) {
		own = F ":" FNR
		s = substr(s, 1, first - 1) "s2cov_(\"" own "\"); " substr(s, first)
		last += length("s2cov_(\"" own "\"); ")
		STK[NB - (substr(s, last, 1) == "{")] = own
	} else
		own = STK[NB - (substr(s, last, 1) == "{")]
	print F, FNR, own > (COV "/map")
	if (substr(s, last, 1) == "{") {
		STK[NB] = F ":" FNR "{"
		return substr(s, 1, last) " s2cov_(\"" F ":" FNR "{\");" substr(s, last + 1)
	}
	return s
}
