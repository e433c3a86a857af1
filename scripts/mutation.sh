#!/usr/bin/env bash
# Mutation analysis of src/ (docs/mutation.md): how many of the mutants
# mutation/schema.py makes of the library the unit tests (level 1), the
# replay of the committed corpora (level 2; 2m: under MemorySanitizer) and
# a fuzzer from the corpora (level 3, when asked for) kill.
#
#   scripts/mutation.sh [--levels 1,2,2m[,3]] [--engine libfuzzer|afl] [--jobs N]
#                       [--out DIR] [--report FILE]
#   scripts/mutation.sh --from-empty N [--naive | --engine afl] [--jobs N] [--out DIR] [--report FILE]
#   scripts/mutation.sh ... --only FILE   (only the mutants FILE names, one id a line)
#   scripts/mutation.sh --list
#   scripts/mutation.sh --quick
#
# Builds the `mutation` preset (ASan + UBSan, src/ as the mutant schema;
# mutation-msan and mutation-libfuzzer for levels 2m and 3),
# finds which unit test and which corpus reaches each mutant (a run of each
# with no mutant on), then runs each mutant the committed corpora reach at
# each level until one kills it (level 3: 30 s of libFuzzer, in the
# mutation-libfuzzer build, for the survivors of 1 and 2; --engine afl:
# AFL++ with CMPLOG and the structure-aware mutator, mutation-afl-cmplog build). OUT/results.tsv
# (default OUT=mutation-out) gets a line per mutant and level as each is
# decided; a rerun skips what is there, so a run can be stopped and resumed. Then OUT/report.md (and FILE
# with --report) is written: scores per file, operator and level, the
# survivors, the equivalent mutants marked in mutation/equivalent.txt (a
# mark that names no mutant of the build fails the run: it is stale).
# --from-empty N: the first N reached mutants of mutation/sample.txt (one
# fixed sample for every configuration), each fuzzed 60 s by
# libFuzzer alone from an empty input (--engine afl: AFL++ with CMPLOG and
# the structure-aware mutator from a 1-byte input; the report gives the
# share killed with its 95% interval). --naive: level 3 and from empty with the naive
# raw-wire baseline (bench_naive_wire) instead of the structure-aware
# mutator, for the comparison. --list: every mutant, one a line. --quick: the mutants of
# mutation/quick.txt, each with the outcome it must have (CTest label
# mutation: the tool works, not a score), and a stale mark is seen.
# --only FILE: the mutants FILE names (with --from-empty: the sample's part
# it names), e.g. the survivors of a run again after a change.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

levels=1,2,2m engine=libfuzzer empty='' naive=() only=() jobs=$(nproc) out=mutation-out report='' quick=0 list=0 build=build/mutation
while (($#)); do
	case $1 in
	--levels) levels=${2:?}; shift 2 ;;
	--from-empty) empty=${2:?}; shift 2 ;;
	--engine) engine=${2:?}; shift 2 ;;
	--naive) naive=(--naive); shift ;;
	--only) only=(--only "${2:?}"); shift 2 ;;
	--jobs) jobs=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	--report) report=${2:?}; shift 2 ;;
	--list) list=1; shift ;;
	--quick) quick=1; shift ;;
	--build-dir) build=${2:?}; shift 2 ;;  # an existing mutation build (CTest's)
	-h|--help) sed -n '2,36p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "mutation.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

if [[ $build == build/mutation ]]; then
	build_preset mutation >/dev/null
fi
mutants=$build/schema/mutants.tsv
if ((list)); then
	awk -F'\t' '{ printf "%s\t%s:%s\t%s\t%s -> %s\n", $2, $3, $4, $6, $7, $8 }' "$mutants"
	exit 0
fi

if ((quick)); then
	out=$(mktemp -d "${TMPDIR:-/tmp}/vsf-mutation.XXXXXX")
	trap 'rm -rf "$out"' EXIT
	python3 mutation/run.py --build "$build" --source . --out "$out" --levels 1,2 \
		--jobs "$jobs" --only mutation/quick.txt
	python3 mutation/report.py --mutants "$mutants" --results "$out/results.tsv" \
		--equivalent mutation/equivalent.txt --expect mutation/quick.txt --out "$out/report.md"
	# A mark naming no mutant must be flagged.
	{ cat mutation/equivalent.txt; echo "regions.c:no_such_function:cond-true:000000 a stale mark"; } \
		>"$out/stale.txt"
	if python3 mutation/report.py --mutants "$mutants" --results "$out/results.tsv" \
		--equivalent "$out/stale.txt" 2>"$out/stale.err"; then
		echo "FAIL: a stale equivalence mark went unflagged" >&2
		exit 1
	fi
	grep -q 'no_such_function' "$out/stale.err" || { cat "$out/stale.err" >&2; exit 1; }
	# A from-empty survivor's row carries its reason, or says it has none.
	with=wire.c:vsf_load_le32:aor-and:c17613 without=wire.c:vsf_store_le32:stmt-delete:48daa3
	printf '%s\tempty\tsurvived\t60\t\n' "$with" "$without" >"$out/empty.tsv"
	echo "$with a reason for the test" >"$out/reasons.txt"
	python3 mutation/report.py --mutants "$mutants" --results "$out/empty.tsv" \
		--equivalent mutation/equivalent.txt --reasons "$out/reasons.txt" --out "$out/empty.md"
	for want in "a reason for the test | \`$with\`" "no reason yet | \`$without\`"; do
		grep -qF "$want" "$out/empty.md" || { echo "FAIL: no '$want' in the survivors table" >&2; exit 1; }
	done
	# The trigger counter of src/'s own: the backend channel's corpus replayed
	# with vsf_decode_mmap's i < 7 become i <= 7 (triggered at i = 7, where
	# ASan stops the input: the counts file keeps what it counted) and i != 7
	# (never differs).
	for want in 'wire.c:vsf_decode_mmap:ror-le:53fde4 triggered, not detected' \
		'wire.c:vsf_decode_mmap:ror-ne:87fa89 reached, not triggered'; do
		VSF_MUTANT=${want%% *} VSF_MUTANT_COUNTS=$out/${want%% *}.counts \
			"$build/fuzz/fuzz_backend_channel_replay" -t 10 corpus/fuzz_backend_channel >/dev/null 2>&1 || true
		got=$(python3 mutation/infection.py "$mutants" "${want%% *}" "$out/${want%% *}.counts")
		[[ $got == "${want#* }"* ]] || { echo "FAIL: ${want%% *}: $got, expected ${want#* }" >&2; exit 1; }
	done
	echo "PASS: every quick mutant as expected; a stale mark is flagged; survivors have reasons; triggers counted"
	exit 0
fi

mkdir -p "$out"
fuzz=()
if [[ $levels == *2m* ]]; then
	mapfile -t harnesses <fuzz/harnesses.txt
	build_preset mutation-msan "${harnesses[@]/%/_replay}" >/dev/null
	fuzz=(--msan-build build/mutation-msan)
fi
if [[ $engine == afl && ($levels == *3* || -n $empty) ]]; then
	mapfile -t harnesses <fuzz/harnesses.txt
	build_preset default vsf_afl_mutator >/dev/null
	build_preset mutation-afl-cmplog "${harnesses[@]}" >/dev/null
	fuzz+=(--afl-build build/mutation-afl-cmplog)
elif [[ $levels == *3* || -n $empty ]]; then
	mapfile -t harnesses <fuzz/harnesses.txt
	build_preset mutation-libfuzzer "${harnesses[@]}" bench_naive_wire >/dev/null
	fuzz+=(--fuzz-build build/mutation-libfuzzer "${naive[@]}")
fi
[[ -z $empty ]] || fuzz+=(--from-empty "$empty" --fuzz-seconds 60)
python3 mutation/run.py --build "$build" --source . --out "$out" --levels "$levels" --jobs "$jobs" \
	"${fuzz[@]}" "${only[@]}"
# The report, and its plot (beside it, as FILE's name with .png) where gnuplot is.
png=$(basename "${report:-$out/report.md}" .md).png
plot=()
command -v gnuplot >/dev/null && plot=(--plot "$png")
python3 mutation/report.py --mutants "$mutants" --results "$out/results.tsv" \
	--equivalent mutation/equivalent.txt --reasons mutation/survivors.txt --out "$out/report.md" \
	--plot-data "$out/plot.dat" "${plot[@]}"
if ((${#plot[@]})); then
	gnuplot <<-EOF
		set terminal pngcairo size 900,480 noenhanced
		set output '$out/$png'
		set title 'Reached, non-equivalent mutants of src/: killed per level, survived'
		set style data histograms
		set style histogram rowstacked
		set style fill solid border -1
		set boxwidth 0.7
		set key below
		set yrange [0:100]
		set ylabel 'share of the file (%)'
		set xtics rotate by -30
		plot '$out/plot.dat' using 2:xtic(1) title 'unit tests (L1)', '' using 3 title 'corpus replay (L2)', \
			'' using 4 title 'a fuzzer from the corpora (L3)', '' using 5 title 'survived'
	EOF
fi
if [[ -n $report ]]; then
	cp "$out/report.md" "$report"
	((${#plot[@]} == 0)) || cp "$out/$png" "$(dirname "$report")/$png"
fi
echo "mutation: report in $out/report.md${report:+ and $report}"
