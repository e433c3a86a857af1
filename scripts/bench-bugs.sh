#!/usr/bin/env bash
# Time-to-bug benchmark: how long each fuzzing configuration takes to find
# each bug-zoo canary (mutation/runtime/canary.h), over several trials.
#
#   scripts/bench-bugs.sh [--quick] [--canary ID,...] [--config NAME,...]
#                         [--corpus empty|minimal,...] [--trials N]
#                         [--time SECONDS] [--jobs N] [--out DIR] [--report]
#
# Configurations:
#   lf-plain     libFuzzer, program format and dictionary, libFuzzer's own
#                mutators only (VSF_MUTATOR=off)
#   lf-mutator   libFuzzer with the structure-aware mutator (fuzz/mutator.h)
#   afl-mutator  AFL++ with CMPLOG and the structure-aware mutator library
#   naive        bench_naive_wire: raw backend-channel bytes, no program
#                format, no dictionary, no custom mutator
# Starting corpora: empty (one 1-byte input) and minimal (one seed per
# harness that negotiates, configures, and maps and unmaps once:
# corpus/bench/minimal/; no seed written for a rule).
#
# Each trial runs one engine with one canary switched on until the first
# finding or the time limit (default 300 s); trials run --jobs at a time
# (default: all cores), trial 1 of every cell before any trial 2. A finding
# counts only if it replays clean with no canary on. Each finished trial is
# appended to OUT/trials.csv (default OUT=docs/time-to-bug, kept in git so
# the matrix grows over several runs and machines) and trials already there
# are skipped; --report only rebuilds OUT/table.md and OUT/time-to-bug.png
# from the CSV. Logs and findings of each trial go to bench-out/bugs-work/
# (OUT/work with --out). --quick: two canaries, one trial each,
# minimal corpus, every configuration, 20 s (a smoke test of the benchmark).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
root=$PWD

configs_all=(lf-plain lf-mutator afl-mutator naive)
corpora_all=(empty minimal)
mapfile -t canaries_all < <(sed -n 's/^[[:space:]]*X([A-Z_]*, "\([a-z-]*\)").*/\1/p' mutation/runtime/canary.h)
configs=("${configs_all[@]}") corpora=("${corpora_all[@]}") canaries=("${canaries_all[@]}")
trials=5 limit=300 jobs=$(nproc) out=docs/time-to-bug work_root=bench-out/bugs-work report_only=0

split() { tr ',' ' ' <<<"$1"; }
while (($#)); do
	case $1 in
	--quick)
		canaries=(overlap double-close) configs=("${configs_all[@]}") corpora=(minimal)
		trials=1 limit=20 out=bench-out/bugs-quick work_root=bench-out/bugs-quick/work
		shift ;;
	--canary) read -ra canaries <<<"$(split "${2:?}")"; shift 2 ;;
	--config) read -ra configs <<<"$(split "${2:?}")"; shift 2 ;;
	--corpus) read -ra corpora <<<"$(split "${2:?}")"; shift 2 ;;
	--trials) trials=${2:?}; shift 2 ;;
	--time) limit=${2:?}; shift 2 ;;
	--jobs) jobs=${2:?}; shift 2 ;;
	--out) out=${2:?} work_root=$2/work; shift 2 ;;
	--report) report_only=1; shift ;;
	-h|--help) sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench-bugs.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
for c in "${configs[@]}"; do [[ " ${configs_all[*]} " == *" $c "* ]] || { echo "bench-bugs.sh: no configuration $c" >&2; exit 2; }; done
for c in "${canaries[@]}"; do [[ " ${canaries_all[*]} " == *" $c "* ]] || { echo "bench-bugs.sh: no canary $c" >&2; exit 2; }; done
for c in "${corpora[@]}"; do [[ $c == empty || $c == minimal ]] || { echo "bench-bugs.sh: no corpus $c" >&2; exit 2; }; done
mkdir -p "$out"
out=$(cd "$out" && pwd)
csv=$out/trials.csv
[[ -f $csv ]] || echo "config,corpus,canary,trial,found,seconds,execs,catcher,reached,triggered,limit" >"$csv"

lf=$root/build/canary-libfuzzer/fuzz
lf_msan=$root/build/canary-libfuzzer-msan/fuzz
# AFL++ fuzzes the CMPLOG build itself (-c 0: scripts/afl-env.sh says why).
afl_cmplog=$root/build/canary-afl-cmplog/fuzz
afl_mutator=$root/build/default/fuzz/libvsf_afl_mutator.so

# The harness that reaches a canary: the config reply is parsed only when the
# harness plays the backend's side of negotiation.
harness_of() {
	case $1 in
	config-trust|config-uninit) echo fuzz_frontend_session ;;
	*) echo fuzz_backend_channel ;;
	esac
}
# MemorySanitizer is the only sanitizer that sees config-uninit.
needs_msan() { [[ $1 == config-uninit ]]; }

# Whether a configuration can run a canary at all (else the cell says n/a).
applies() {
	local config=$1 canary=$2
	[[ $config == naive && $(harness_of "$canary") != fuzz_backend_channel ]] && return 1
	[[ $config == naive || $config == afl-mutator ]] && needs_msan "$canary" && return 1
	return 0
}

build() {
	local harnesses=(fuzz_backend_channel fuzz_frontend_session)
	local configs_s=" ${configs[*]} " setup=(gnuplot)
	[[ $configs_s == *" afl-mutator "* ]] && setup+=(afl)
	scripts/setup.sh "${setup[@]}"
	build_preset canary-libfuzzer "${harnesses[@]}" \
		"${harnesses[@]/%/_replay}" bench_naive_wire bench_naive_wire_replay vsf-prog vsf-canary-counts
	if [[ " ${canaries[*]} " == *" config-uninit "* ]]; then
		build_preset canary-libfuzzer-msan fuzz_frontend_session fuzz_frontend_session_replay
	fi
	if [[ $configs_s == *" afl-mutator "* ]]; then
		build_preset canary-afl-cmplog "${harnesses[@]}"
		build_preset default vsf_afl_mutator
	fi
}

# The starting corpus of a trial into DIR.
seed_corpus() {
	local corpus=$1 config=$2 harness=$3 dir=$4
	mkdir -p "$dir"
	if [[ $corpus == empty ]]; then
		printf '\n' >"$dir/one-byte"
	elif [[ $config == naive ]]; then
		cp "$root/corpus/bench/naive_wire/map_unmap" "$dir/minimal"
	else
		"$root/build/canary-libfuzzer/tools/vsf-prog" to-bin -o "$dir/minimal" "$root/corpus/bench/minimal/$harness.txt"
	fi
}

# What reported a finding, from an engine's log: the oracle or the sanitizer.
catcher_of() {
	local log=$1 c
	c=$(grep -o -m1 'ORACLE VIOLATION \[[a-z-]*\]' "$log" | grep -o '\[.*\]') ||
		c=$(grep -o -m1 'internal bug at' "$log" | sed 's/.*/abort/') ||
		c=$(grep -o -m1 -E '(AddressSanitizer|MemorySanitizer|LeakSanitizer|UndefinedBehaviorSanitizer)[: ]+[a-zA-Z-]*' "$log" |
			sed -E 's/Sanitizer[: ]+/Sanitizer:/') ||
		c=$(grep -o -m1 -E 'libFuzzer: (timeout|out-of-memory)|detected memory leaks' "$log") || c=unknown
	echo "$c"
}

# One trial; appends its CSV line.
# Run in the background: it must always reach its CSV line, so a command
# that fails in it is not fatal (set +e), and its engine's timeout process is
# written to WORK/pid for the main trap to stop.
run_trial() {
	set +e
	local config=$1 corpus=$2 canary=$3 trial=$4
	local harness work log bin replay found=0 execs=0 catcher="" reached=0 triggered=0 finding=""
	local t0 t1 secs
	harness=$(harness_of "$canary")
	work=$work_root/$config-$corpus-$canary-$trial
	log=$work/log
	rm -rf "$work"
	mkdir -p "$work"
	seed_corpus "$corpus" "$config" "$harness" "$work/corpus"
	export VSF_CANARY=$canary VSF_CANARY_COUNTS=$work/counts
	replay=$lf/${harness}_replay
	t0=$(date +%s.%N)
	case $config in
	lf-plain|lf-mutator|naive)
		bin=$lf/$harness
		[[ $config == naive ]] && bin=$lf/bench_naive_wire replay=$lf/bench_naive_wire_replay
		needs_msan "$canary" && bin=$lf_msan/$harness replay=$lf_msan/${harness}_replay
		local flags=(-max_total_time="$limit" -timeout=10 -print_final_stats=1 -artifact_prefix="$work/")
		[[ $config != naive ]] && flags+=(-dict="$root/dict/$harness.dict")
		(
			[[ $config == lf-plain ]] && export VSF_MUTATOR=off
			timeout -k 10 $((limit + 60)) "$bin" "${flags[@]}" "$work/corpus" >"$log" 2>&1 &
			echo $! >"$work/pid"
			wait $!
		)
		rm -f "$work/pid"
		t1=$(date +%s.%N)
		finding=$(find "$work" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \) | head -n 1)
		execs=$(awk '/stat::number_of_executed_units:/ { s += $2 } END { print s + 0 }' "$log")
		;;
	afl-mutator)
		(
			. scripts/afl-env.sh
			export AFL_CUSTOM_MUTATOR_LIBRARY=$afl_mutator AFL_BENCH_UNTIL_CRASH=1
			timeout -k 10 $((limit + 60)) afl-fuzz -i "$work/corpus" -o "$work/afl" \
				-x "$root/dict/$harness.dict" -V "$limit" -m none -t 10000 \
				-c 0 -- "$afl_cmplog/$harness" >"$log" 2>&1 &
			echo $! >"$work/pid"
			wait $!
		)
		rm -f "$work/pid"
		(. scripts/afl-env.sh && afl_kill_orphans "$afl_cmplog/$harness")
		t1=$(date +%s.%N)
		finding=$(find "$work/afl" -path '*/crashes/id:*' 2>/dev/null | sort | head -n 1)
		# A seed that already crashes is skipped by AFL++ in its dry run: found at once.
		[[ -z $finding ]] && grep -q 'results in a crash' "$log" &&
			finding=$(find "$work/corpus" -type f | head -n 1)
		execs=$(awk -F' *: *' '$1 == "execs_done" { print $2 }' "$work/afl/default/fuzzer_stats" 2>/dev/null || echo 0)
		;;
	esac
	unset VSF_CANARY VSF_CANARY_COUNTS
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	if [[ -n $finding ]]; then
		cp "$finding" "$work/finding"
		# The finding must be the canary's: it replays clean with no canary
		# on, and is caught again with it on (a harness hiccup is neither);
		# the catcher is read from that replay, the same for every engine.
		(VSF_CANARY=$canary "$replay" -t 10 "$finding" || true) >"$work/replay-on.log" 2>&1
		if ! ("$replay" -t 10 "$finding") >"$work/replay-off.log" 2>&1; then
			catcher="not-the-canary:$(catcher_of "$work/replay-off.log")"
		elif grep -q 'no finding' "$work/replay-on.log"; then
			catcher="not-reproduced"
		else
			found=1
			catcher=$(catcher_of "$work/replay-on.log")
		fi
	fi
	if [[ -f $work/counts ]]; then
		read -r reached triggered < <("$lf/vsf-canary-counts" "$work/counts" |
			awk -v c="$canary" '$3 == c { print $5, $7 }') || true
	fi
	((found)) || secs=""
	printf '%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$config" "$corpus" "$canary" "$trial" "$found" \
		"$secs" "${execs:-0}" "$catcher" "${reached:-0}" "${triggered:-0}" "$limit" >>"$csv"
	printf 'bench-bugs: %-11s %-7s %-18s trial %s: %s\n' "$config" "$corpus" "$canary" "$trial" \
		"$( ((found)) && echo "found in ${secs}s by $catcher" || echo "not found in ${limit}s${catcher:+ ($catcher)}")"
	# Keep the finding (work/.../finding) and the log, drop the grown corpus.
	rm -rf "$work/corpus" "$work/afl/default/queue" 2>/dev/null || true
}

# The markdown table and the plot, from whatever the CSV holds.
report() {
	local table=$out/table.md png=$out/time-to-bug.png na="" c k
	for c in "${configs_all[@]}"; do
		for k in "${canaries_all[@]}"; do
			applies "$c" "$k" || na+=" $c:$k"
		done
	done
	awk -F, -v cfgs="${configs_all[*]}" -v cors="${corpora_all[*]}" -v na="$na" '
		NR == 1 { next }
		{
			k = $1 SUBSEP $2 SUBSEP $3; n[k]++; seen[$3] = 1
			if ($5 == 1) { f[k]++; t[k, f[k]] = $6 + 0 }
			ct[k, n[k]] = $5 == 1 ? $6 + 0 : $11 + 0 # a miss counts as the limit
			if (!($11 in lim)) limits = limits (limits == "" ? "" : " and ") $11
			lim[$11] = 1
		}
		function median(k,   i, j, a, m, tmp) {
			m = f[k]
			for (i = 1; i <= m; i++) a[i] = t[k, i]
			for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { tmp = a[i]; a[i] = a[j]; a[j] = tmp }
			lo[k] = a[1]; hi[k] = a[m]
			return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
		}
		function speedups(title, M,   i, j, a, c, m, x, y, r, tmp) {
			printf "\n| configuration | corpus | %s | median speed-up over naive |\n|---|---|---|---|\n", title
			for (i = 1; i <= nc; i++) for (j = 1; j <= no; j++) {
				if (C[i] == "naive") continue
				m = 0
				for (a = 1; a <= ncan; a++) {
					c = list[a]
					if (((C[i], O[j], c) in M) && (("naive", O[j], c) in M)) {
						x = M["naive", O[j], c]; y = M[C[i], O[j], c]
						r[++m] = (x > 0.05 ? x : 0.05) / (y > 0.05 ? y : 0.05)
					}
				}
				if (!m) continue
				for (x = 1; x <= m; x++) for (y = x + 1; y <= m; y++) if (r[y] < r[x]) { tmp = r[x]; r[x] = r[y]; r[y] = tmp }
				printf "| %s | %s | %d | %.1fx |\n", C[i], O[j], m, m % 2 ? r[(m + 1) / 2] : (r[m / 2] + r[m / 2 + 1]) / 2
			}
		}
		function cmedian(k,   i, j, a, m, tmp) {
			m = n[k]
			for (i = 1; i <= m; i++) a[i] = ct[k, i]
			for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { tmp = a[i]; a[i] = a[j]; a[j] = tmp }
			return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
		}
		END {
			nc = split(cfgs, C, " "); no = split(cors, O, " ")
			printf "# Time to bug\n\nMedian seconds to detection [fastest-slowest] and found/trials, per canary, configuration and starting corpus (time limit %s s per trial%s; blank: not run; n/a: the configuration cannot reach the canary).\n\n", limits, index(limits, " and ") ? ": MIXED, the cells are not comparable" : ""
			printf "| canary |"
			for (i = 1; i <= nc; i++) for (j = 1; j <= no; j++) printf " %s %s |", C[i], O[j]
			printf "\n|---|"
			for (i = 1; i <= nc * no; i++) printf "---|"
			printf "\n"
			ncan = 0
			for (c in seen) list[++ncan] = c
			for (a = 1; a <= ncan; a++) for (b = a + 1; b <= ncan; b++) if (list[b] < list[a]) { x = list[a]; list[a] = list[b]; list[b] = x }
			for (a = 1; a <= ncan; a++) {
				c = list[a]; printf "| %s |", c
				for (i = 1; i <= nc; i++) for (j = 1; j <= no; j++) {
					k = C[i] SUBSEP O[j] SUBSEP c
					if (index(" " na " ", " " C[i] ":" c " ")) { printf " n/a |"; continue }
					if (!n[k]) { printf " |"; continue }
					cens[C[i], O[j], c] = cmedian(k)
					if (f[k]) { med = median(k); printf " %.1f [%.1f-%.1f] %d/%d |", med, lo[k], hi[k], f[k], n[k]; meds[C[i], O[j], ++nm[C[i], O[j]]] = med; cellmed[C[i], O[j], c] = med }
					else printf " - 0/%d |", n[k]
					found_all[C[i], O[j]] += (f[k] == n[k]); cells[C[i], O[j]]++
				}
				printf "\n"
			}
			printf "\n| configuration | corpus | canaries found in every trial | median of the medians (s) |\n|---|---|---|---|\n"
			for (i = 1; i <= nc; i++) for (j = 1; j <= no; j++) {
				key = C[i] SUBSEP O[j]
				if (!cells[key]) continue
				m = nm[key]
				for (x = 1; x <= m; x++) v[x] = meds[key, x]
				for (x = 1; x <= m; x++) for (y = x + 1; y <= m; y++) if (v[y] < v[x]) { tmp = v[x]; v[x] = v[y]; v[y] = tmp }
				printf "| %s | %s | %d of %d | %s |\n", C[i], O[j], found_all[key], cells[key], m ? sprintf("%.1f", m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2) : "-"
			}
			# Speed-up over the naive baseline: naive median / median, over the
			# canaries both find (a median of 0.0 s counts as 0.05 s); then over
			# every canary naive can reach, a trial that found nothing counted
			# as the time limit on both sides, so the canaries naive misses count too.
			speedups("canaries it and naive both find", cellmed)
			speedups("canaries naive can reach (a miss counts as the limit)", cens)
		}' "$csv" >"$table"
	# The share of (canary, trial) runs found by time t, per configuration and corpus.
	local data=$work_root/plot.dat plots=() idx=0 maxlimit
	mkdir -p "$work_root"
	maxlimit=$(awk -F, 'NR > 1 { m = $11 > m ? $11 : m } END { print m + 0 }' "$csv")
	: >"$data"
	for c in "${configs_all[@]}"; do
		for o in "${corpora_all[@]}"; do
			local total
			total=$(awk -F, -v c="$c" -v o="$o" 'NR > 1 && $1 == c && $2 == o' "$csv" | wc -l)
			((total)) || continue
			{
				echo "# $c $o"
				echo "0 0"
				awk -F, -v c="$c" -v o="$o" 'NR > 1 && $1 == c && $2 == o && $5 == 1 { print $6 }' "$csv" |
					sort -g | awk -v n="$total" -v end="$maxlimit" \
						'{ printf "%s %.4f\n", $1, NR / n } END { printf "%s %.4f\n", end, NR / n }'
				printf '\n\n'
			} >>"$data"
			plots+=("'$data' index $idx with steps lw 2 title '$c, $o corpus'")
			idx=$((idx + 1))
		done
	done
	if ((${#plots[@]})) && command -v gnuplot >/dev/null; then
		gnuplot <<-EOF
			set terminal pngcairo size 900,560 noenhanced
			set output '$png'
			set title 'Bug-zoo canaries found by time t (share of canary trials)'
			set xlabel 'seconds (log scale)'
			set ylabel 'share found'
			set logscale x
			set xrange [0.1:$maxlimit]
			set yrange [0:1]
			set key bottom right
			set grid
			plot $(IFS=,; echo "${plots[*]}")
		EOF
	fi
	echo "bench-bugs: table $table, data $csv$( ((${#plots[@]})) && command -v gnuplot >/dev/null && echo ", plot $png")"
}

if ((report_only)); then
	report
	exit 0
fi
build

# The trials to run: those the CSV does not hold yet.
# Trial 1 of every cell first, then trial 2, ...: a run stopped early still
# leaves a whole table, with fewer trials per cell.
queue=()
for ((trial = 1; trial <= trials; trial++)); do
	for corpus in "${corpora[@]}"; do
		for canary in "${canaries[@]}"; do
			for config in "${configs[@]}"; do
				applies "$config" "$canary" || continue
				grep -q "^$config,$corpus,$canary,$trial,.*,$limit\$" "$csv" && continue
				queue+=("$config $corpus $canary $trial")
			done
		done
	done
done
echo "bench-bugs: ${#queue[@]} trials to run, $jobs at a time, up to ${limit}s each; results in $csv"
running=0
stop_trials() {
	local f pids
	for f in "$work_root"/*/pid; do
		[[ -f $f ]] && kill -TERM "$(cat "$f")" 2>/dev/null
	done
	mapfile -t pids < <(jobs -p)
	((${#pids[@]} == 0)) || kill "${pids[@]}" 2>/dev/null
	exit 130
}
trap stop_trials INT TERM
for t in "${queue[@]}"; do
	if ((running >= jobs)); then
		wait -n || true
		running=$((running - 1))
	fi
	# shellcheck disable=SC2086 # four words
	run_trial $t &
	running=$((running + 1))
done
wait || true
missing=0
for t in "${queue[@]}"; do
	read -r config corpus canary trial <<<"$t"
	grep -q "^$config,$corpus,$canary,$trial,.*,$limit\$" "$csv" || missing=$((missing + 1))
done
((missing == 0)) || echo "bench-bugs: $missing trials left no result (see $work_root)" >&2
report
