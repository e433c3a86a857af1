#!/usr/bin/env bash
# The campaign's morning report (called by scripts/fuzz.sh):
#
#   campaign-report.sh point ENGINE PROGRESS-LINE ELAPSED
#       one timeline point "seconds<TAB>executions<TAB>coverage" from a
#       campaign's progress line (nothing when the line has no numbers yet)
#   campaign-report.sh write ENGINE OUT ELAPSED HARNESS...
#       OUT/<harness>/progress.png (coverage and executions over time),
#       OUT/<harness>/rate.png (executions per second, per minute),
#       OUT/coverage/ (llvm-cov HTML and summary.txt: src/ by the final
#       corpus plus the committed one) and OUT/summary.md
#   campaign-report.sh both OUT HARNESS...
#       OUT/summary.md for fuzz.sh --engine both: the tables of OUT/afl and
#       OUT/libfuzzer, and src/ coverage by both corpora (OUT/coverage/)
#   campaign-report.sh counts DIR
#       the driver's counters of a campaign against a front-end process,
#       summed over its processes' DIR/<pid>.stats (fuzz_frontend_process.c):
#       "inputs N messages N refused N deviations N not_applicable N restarts N
#        kept N unclean N lost N refused_kept N"
# A campaign against a front-end process (harness fuzz_frontend_process,
# VSF_TARGET_CMD and VSF_TARGET_PROFILE set) gets, instead of the coverage of
# src/, a section on its target: the command, the profile, how it was fuzzed
# (VSF_TARGET_COVERAGE: coverage-guided or black-box, lib.sh's
# target_coverage), and the driver's counts.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

point() {
	local engine=$1 line=$2 t=$3
	if [[ $engine == libfuzzer ]]; then
		# "#3143: cov: 945 ft: 1304 corp: 188 exec/s 206 ..."
		awk -v t="$t" '{ e = $1; gsub(/[^0-9]/, "", e); for (i = 1; i < NF; i++) if ($i == "cov:") c = $(i + 1)
			if (e != "" && c != "") printf "%d\t%d\t%d\n", t, e, c }' <<<"$line"
	else
		# "execs N  exec/s R  corpus C  crashes K  coverage M%"
		awk -v t="$t" '{ for (i = 1; i < NF; i++) { if ($i == "execs") e = $(i + 1); if ($i == "coverage") c = $(i + 1) }
			gsub(/%/, "", c); if (e != "" && c != "") printf "%d\t%d\t%s\n", t, e, c }' <<<"$line"
	fi
}

plot() {
	local engine=$1 dir=$2 h=$3 unit
	[[ $engine == libfuzzer ]] && unit="edges (libFuzzer cov)" || unit="% of the AFL++ map"
	(($(wc -l <"$dir/timeline.tsv") > 1)) || { echo "campaign-report: no timeline for $h" >&2; return 1; }
	gnuplot <<GP
set terminal pngcairo size 900,500 noenhanced
set output "$dir/progress.png"
set title "$h ($engine): coverage and executions"
set xlabel "seconds"
set ylabel "coverage: $unit"
set y2label "executions"
set y2tics
set ytics nomirror
set key left top
set datafile separator "\t"
plot "$dir/timeline.tsv" using 1:3 skip 1 with linespoints title "coverage" axes x1y1, \
     "" using 1:2 skip 1 with lines title "executions" axes x1y2
GP
}

# Executions per second over time from a timeline: rate.tsv (one point per
# minute) and rate.png; prints "FIRST LAST", the rates of the first and the
# last ten minutes (or of the first and last half of a shorter campaign).
rate() {
	local engine=$1 dir=$2 h=$3
	awk -F'\t' 'BEGIN { n = p = f = 0 } NR > 1 { t[n] = $1; e[n] = $2; n++ }
		END { print "seconds\texec_per_s" > out
			for (i = 1; i < n; i++) if (t[i] - t[p] >= 60 || i == n - 1) {
				if (t[i] > t[p]) printf "%d\t%.0f\n", t[i], (e[i] - e[p]) / (t[i] - t[p]) > out
				p = i }
			if (n == 0 || !t[0]) { print "- -"; exit }
			if (n == 1) { printf "%d\t%.0f\n", t[0], e[0] / t[0] > out; printf "%.0f %.0f\n", e[0] / t[0], e[0] / t[0]; exit }
			w = t[n - 1] >= 1200 ? 600 : t[n - 1] / 2
			for (i = 0; i < n && t[i] <= w; i++) f = i
			l = n - 1
			for (i = n - 1; i > 0 && t[i] >= t[n - 1] - w; i--) l = i
			first = t[f] ? e[f] / t[f] : 0
			last = (t[n - 1] > t[l]) ? (e[n - 1] - e[l]) / (t[n - 1] - t[l]) : 0
			printf "%.0f %.0f\n", first, last }' \
		out="$dir/rate.tsv" "$dir/timeline.tsv"
	(($(wc -l <"$dir/rate.tsv") > 1)) || return 0
	gnuplot <<GP
set terminal pngcairo size 900,400 noenhanced
set output "$dir/rate.png"
set title "$h ($engine): executions per second, per minute"
set xlabel "seconds"
set ylabel "exec/s"
set yrange [0:*]
set datafile separator "\t"
plot "$dir/rate.tsv" using 1:2 skip 1 with linespoints title "exec/s"
GP
}

# The summary's coverage section: src/ by the committed corpus + WHOSE (OUT/coverage).
coverage_section() {
	local whose=$1 out=$2
	echo
	echo "## Coverage of src/ (committed corpus + $whose)"
	echo
	echo '```'
	grep -E '^(Filename|TOTAL)' "$out/coverage/summary.txt" || true
	echo '```'
	echo
	echo "Per file: [coverage/summary.txt](coverage/summary.txt); HTML: [coverage/html/index.html](coverage/html/index.html)."
}

# summary_field LOG NAME: the value of "NAME: value" in a campaign's summary.
summary_field() {
	awk -v k="$2:" '/^==== fuzz summary/ { in_s = 1 }
		in_s && index($0, k) == 1 { sub(k " *", ""); print; exit }' "$1"
}

write() {
	local engine=$1 out=$2 elapsed=$3 h log idx frontend=0
	shift 3
	# Against a front-end process, the coverage of src/ says nothing of the target.
	[[ $* == fuzz_frontend_process ]] && frontend=1
	if ((!frontend)); then
		mkdir -p "$out/coverage"
		scripts/coverage.sh --campaign "$out" --html "$out/coverage/html" >"$out/coverage/summary.txt" 2>&1 ||
			echo "campaign-report: coverage failed; see $out/coverage/summary.txt" >&2
	fi
	{
		if ((frontend)); then
			echo "# Fuzz campaign against a front-end process: $engine, ${elapsed}s"
		else
			echo "# Fuzz campaign: $engine, ${elapsed}s"
		fi
		echo
		if ((frontend)); then
			echo "Started from the committed corpora of every harness and what in-process campaigns grew"
			echo "($(find "$out/fuzz_frontend_process/seeds" -type f | wc -l) seeds, their dictionaries merged); $(date -u '+%Y-%m-%d %H:%M UTC') at the end."
		else
			echo "Started from the committed corpus; $(date -u '+%Y-%m-%d %H:%M UTC') at the end."
		fi
		echo
		echo "| harness | executions | exec/s | exec/s first 10 min | exec/s last 10 min | coverage | stability | corpus | unique findings | plots |"
		echo "|---|---|---|---|---|---|---|---|---|---|"
		for h in "$@"; do
			log=$out/$h/campaign.log idx=$out/$h/findings/index.md
			plot "$engine" "$out/$h" "$h" || true
			# (not read from a process substitution: rate.png must exist below)
			rates=$(rate "$engine" "$out/$h" "$h" || echo "- -")
			read -r first last <<<"$rates"
			local found="none"
			if [[ -f $idx ]] && grep -q 'unique' "$idx"; then
				found="[$(sed -nE 's/.*, ([0-9]+) unique.*/\1/p' "$idx")]($h/findings/index.md)"
			fi
			printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$h" \
				"$(summary_field "$log" executions)" "$(summary_field "$log" exec/s)" \
				"$first" "$last" \
				"$(summary_field "$log" coverage)" "$(summary_field "$log" stability || true)" \
				"$(summary_field "$log" corpus | sed "s|$out/||g")" "$found" \
				"$([[ -f $out/$h/progress.png ]] && echo "[coverage]($h/progress.png)")$([[ -f $out/$h/rate.png ]] && echo " [exec/s]($h/rate.png)")"
		done
		if ((frontend)); then
			target_section "$out/fuzz_frontend_process" "$elapsed"
		else
			coverage_section "this campaign's" "$out"
		fi
		for h in "$@"; do
			idx=$out/$h/findings/index.md
			[[ -f $idx ]] || continue
			echo
			sed "s|(\([0-9]*-[^)]*\)/report.md)|($h/findings/\1/report.md)|; s/^# Findings of/## Findings of/" "$idx"
		done
	} >"$out/summary.md"
}

counts() {
	cat "$1"/*.stats 2>/dev/null | awk '{ for (i = 1; i < NF; i += 2) n[$i] += $(i + 1) }
		END { printf "inputs %d messages %d refused %d deviations %d not_applicable %d restarts %d kept %d unclean %d lost %d refused_kept %d\n",
			n["inputs"], n["messages"], n["refused"], n["deviations"], n["not_applicable"], n["restarts"],
			n["kept"], n["unclean"], n["lost"], n["refused_kept"] }'
}

# The summary's section on a front-end process: what it is, how it was
# fuzzed, and what the driver counted in DIR (fuzz_frontend_process's).
target_section() {
	local dir=$1 elapsed=$2 reaped inputs messages refused deviations na restarts kept unclean lost refused_kept
	read -r _ inputs _ messages _ refused _ deviations _ na _ restarts _ kept _ unclean _ lost _ refused_kept \
		<<<"$(counts "$dir/stats")"
	reaped=$(cat "$dir/reaped" 2>/dev/null || echo "?")
	echo
	local mode=${VSF_TARGET_COVERAGE:-black-box}
	echo "## The target: a front-end process, fuzzed $mode"
	echo
	echo "- command: \`$VSF_TARGET_CMD\`"
	local none="(none: the rules of the model)"
	echo "- profile: \`$(repo_path "${VSF_TARGET_PROFILE:-$none}")\`"
	local how="a fresh target process per input"
	if [[ ${VSF_TARGET_KEEP:-} == 1 ]]; then
		how="kept across inputs (VSF_TARGET_KEEP=1): $kept start-ups on a kept target;"
		how+=" restarted fresh: $unclean for a state unlike a fresh start's, $refused_kept for"
		how+=" a start-up the kept target left and a fresh one left too (a refusal), $lost for"
		how+=" a target that did not come back; a finding on a kept target says so, and"
		how+=" its reproducer starts a fresh one"
	fi
	echo "- $how (docs/targets.md)."
	if [[ $mode == coverage-guided ]]; then
		echo "- coverage-guided: the target is built with AFL++'s instrumentation"
		echo "  (a map of ${VSF_TARGET_MAP_SIZE:-?} entries) and writes its edges into the campaign's map;"
		echo "  the coverage above is the target's own, the driver's edges kept out."
	else
		echo "- black-box: the target is not instrumented for the engine (or the"
		echo "  engine is libFuzzer, which cannot read AFL++'s map), so the coverage"
		echo "  above is the driver's own (its paths over the target's answers), not"
		echo "  the target's: the campaign mutates the corpora without seeing inside."
	fi
	echo
	echo "| inputs played | inputs/s | messages | refused (as the profile says) | known deviations | ops not applicable | target restarts (connect ops) | targets a driver left, ended |"
	echo "|---|---|---|---|---|---|---|---|"
	printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$inputs" \
		"$(awk -v n="$inputs" -v t="$elapsed" 'BEGIN { printf "%.1f", t ? n / t : 0 }')" \
		"$messages" "$refused" "$deviations" "$na" "$restarts" "$reaped"
	echo
	echo "Inputs played: every program the driver ran, counted by the driver"
	echo "(the engines' executions also count inputs that are no program, which"
	echo "are not played). Refused: the target ended the"
	echo "session during start-up as its profile says; a known deviation ends its"
	echo "input, counted, not a finding; ops not applicable (\`fault\`, \`add_region\`,"
	echo "\`reset\`) act inside our own front-end only and are skipped. A driver"
	echo "that does not end normally (a finding, a timeout, the campaign's stop)"
	echo "leaves its target running: the campaign ends those (last column)."
}

both() {
	local out=$1 e
	shift
	mkdir -p "$out/coverage"
	scripts/coverage.sh --campaign "$out/afl" --campaign "$out/libfuzzer" --html "$out/coverage/html" \
		>"$out/coverage/summary.txt" 2>&1 ||
		echo "campaign-report: coverage failed; see $out/coverage/summary.txt" >&2
	{
		echo "# Fuzz campaign: AFL++ and libFuzzer side by side"
		echo
		echo "Each engine's report: [afl/summary.md](afl/summary.md), [libfuzzer/summary.md](libfuzzer/summary.md)."
		for e in afl libfuzzer; do
			[[ -f $out/$e/summary.md ]] || continue
			echo
			echo "## $e"
			echo
			# The engine's table, its links made relative to OUT.
			awk '/^\| harness/ { t = 1 } t && !/^\|/ { exit } t' "$out/$e/summary.md" |
				sed -E "s#\]\(([^)]*)\)#](${e}/\1)#g"
		done
		coverage_section "both engines' corpora" "$out"
	} >"$out/summary.md"
}

cmd=${1:?usage: campaign-report.sh point|write|both|counts ...}
shift
case $cmd in
point) point "$@" ;;
write) write "$@" ;;
both) both "$@" ;;
counts) counts "$@" ;;
*) echo "campaign-report.sh: unknown command $cmd" >&2; exit 2 ;;
esac
