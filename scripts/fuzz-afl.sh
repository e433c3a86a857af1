#!/usr/bin/env bash
# AFL++ campaign (called by scripts/fuzz.sh, which builds first):
#   scripts/fuzz-afl.sh TARGET SECONDS JOBS OUTDIR [--sync-dir DIR [--role main|secondary]]
#                       [--foreign DIR] [--seeds DIR] [--dict FILE] [--no-cmplog]
# One main instance with the CMPLOG binary and JOBS-1 secondaries, persistent
# mode with the shared-memory testcase, the structure-aware mutator library,
# seeds corpus/TARGET (or --seeds DIR), dict/TARGET.dict (or --dict FILE),
# the timeout of fuzz/TARGET.options. --no-cmplog: no CMPLOG binary.
# Progress every 15 s from the instances' fuzzer_stats; summary at the end.
# With --sync-dir, the instances fuzz in DIR/TARGET, which other machines'
# instances share (docs/several-machines.md), named after this host:
# role main (the default; one per sync directory) <host>-main, the CMPLOG one,
# and <host>-m1...; role secondary <host>-s0 (CMPLOG), <host>-s1... Each is
# linked into OUTDIR, so progress, summary and triage see this host's.
# --foreign DIR: the main instance also imports what another fuzzer (the
# libFuzzer half of `fuzz.sh --engine both`) adds to DIR (afl-fuzz -F).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
target=$1 secs=$2 jobs=$3 out=$4
shift 4
sync="" role=main foreign=() seed_dir=$root/corpus/$target dict=$root/dict/$target.dict use_cmplog=1
while (($#)); do
	case $1 in
	--seeds) seed_dir=${2:?}; shift 2 ;;
	--dict) dict=${2:?}; shift 2 ;;
	--no-cmplog) use_cmplog=0; shift ;;
	--foreign) mkdir -p "${2:?}"; foreign=(-F "$2"); shift 2 ;;
	--sync-dir) sync=${2:?}; shift 2 ;;
	--role) role=${2:?}; shift 2 ;;
	*) echo "fuzz-afl.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
[[ $role == main || $role == secondary ]] || { echo "fuzz-afl.sh: role must be main or secondary" >&2; exit 2; }
bin=$root/build/afl/fuzz/$target
cmplog=$root/build/afl-cmplog/fuzz/$target
# The CMPLOG instance fuzzes the CMPLOG build itself (-c 0: scripts/afl-env.sh says why).
with_cmplog=() cmplog_bin=$bin
((use_cmplog)) && with_cmplog=(-c 0) cmplog_bin=$cmplog

# shellcheck source=scripts/lib.sh
. scripts/lib.sh
# shellcheck source=scripts/findings.sh
. scripts/findings.sh
# shellcheck source=scripts/afl-env.sh
. scripts/afl-env.sh
export AFL_AUTORESUME=1 # resume an old run
# With --foreign, import what the other fuzzer found every 10 minutes (as
# often as libFuzzer restarts with AFL++'s finds), not every 30.
((${#foreign[@]})) && export AFL_SYNC_TIME=${AFL_SYNC_TIME:-10}
# The structure-aware program mutator beside AFL++'s own havoc (fuzz/mutator.h).
export AFL_CUSTOM_MUTATOR_LIBRARY=$root/build/default/fuzz/libvsf_afl_mutator.so
# Every finding's report and stack, written by the harness (AFL++ keeps no output).
mkdir -p "$out/reports"
export VSF_REPORT_DIR=$out/reports

if [[ -n $sync ]]; then
	afl_out=$sync/$target
	host=$(uname -n)
	host=${host%%.*}
	host=${host//[^A-Za-z0-9_-]/_}
	if [[ $role == main ]]; then names=("$host-main") more=$host-m; else names=("$host-s0") more=$host-s; fi
else
	afl_out=$out names=(main) more=sec
fi
for ((i = 1; i < jobs; i++)); do names+=("$more$i"); done
mkdir -p "$afl_out"
common=(-i "$seed_dir" -o "$afl_out" -x "$dict" -V "$secs" -m none -t "$(timeout_ms "$target")")
echo "fuzz.sh: AFL++ on $target for ${secs}s with $jobs instance(s) (${names[*]}) in $afl_out, custom mutator $AFL_CUSTOM_MUTATOR_LIBRARY; logs $out/*.log"
pids=()
for i in "${!names[@]}"; do
	n=${names[i]} prog=$cmplog_bin
	if ((i > 0)); then
		opt=(-S "$n") prog=$bin
	elif [[ $role == main ]]; then
		opt=(-M "$n" "${with_cmplog[@]}" "${foreign[@]}")
	else
		opt=(-S "$n" "${with_cmplog[@]}")
	fi
	afl-fuzz "${opt[@]}" "${common[@]}" -- "$prog" >"$out/$n.log" 2>&1 &
	pids+=($!)
	[[ -z $sync ]] || ln -sfn "$afl_out/$n" "$out/$n"
done
trap 'kill "${pids[@]}" 2>/dev/null' INT TERM
trap 'afl_kill_orphans "$cmplog"' EXIT

# Sum or take the max of one fuzzer_stats field over the instances.
stat() {
	local field=$1 how=$2
	cat "$out"/*/fuzzer_stats 2>/dev/null |
		awk -F' *: *' -v f="$field" -v how="$how" '$1 == f { v = $2 + 0; s += v; if (v > m) m = v }
			END { if (how == "max") print m + 0; else print s + 0 }'
}
# Progress from the last line of each instance's plot_data (AFL++ 4.04 appends
# one about once a minute): total_execs, execs_per_sec, corpus, crashes,
# coverage.
# Until then, the queue and crash directories as they grow.
progress() {
	local files=("$out"/*/plot_data) line=""
	if [[ -f ${files[0]} ]]; then
		line=$(for f in "${files[@]}"; do grep -v '^#' "$f" | tail -n 1; done |
			awk -F', *' 'NF >= 13 { e += $12; r += $11; c += $4; k += $8; m = $7 }
				END { if (NR) printf "execs %d  exec/s %.0f  corpus %d  crashes %d  coverage %s\n", e, r, c, k, m }')
	fi
	if [[ -z $line ]]; then
		line="corpus $(find -L "$out" -path '*/queue/id:*' 2>/dev/null | wc -l)"
		line+="  crashes $(find -L "$out" -path '*/crashes/id:*' 2>/dev/null | wc -l)"
		line+="  (execs and coverage: AFL++ writes its first statistics after about a minute)"
	fi
	echo "$line"
}
start=$(date +%s)
while any_alive "${pids[@]}"; do
	sleep 15 &
	tick=$!
	# Back at once when an instance ends: the campaign ends with them.
	alive=()
	for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive+=("$p"); done
	wait -n "$tick" "${alive[@]}" 2>/dev/null || true
	kill "$tick" 2>/dev/null || true
	printf '[%5ds] %s\n' $(($(date +%s) - start)) "$(progress)"
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=$?; done
elapsed=$(($(date +%s) - start))

first=${names[0]}
if [[ ! -f $out/$first/fuzzer_stats ]]; then
	echo "fuzz.sh: AFL++ did not start; see $out/$first.log:" >&2
	tail -n 20 "$out/$first.log" >&2
	exit 1
fi
mapfile -t findings < <(find -L "$out" -path '*/crashes/id:*' -o -path '*/hangs/id:*' | sort)
seeds=$(find "$seed_dir" -type f | wc -l)
echo
echo "==== fuzz summary: $target (AFL++, $jobs instance(s), ${elapsed}s) ===="
echo "executions:      $(stat execs_done sum)"
echo "exec/s:          $(awk -v e="$(stat execs_done sum)" -v t="$elapsed" 'BEGIN { printf "%.0f", t ? e / t : 0 }')"
echo "coverage:        $(stat bitmap_cvg max)% of the map, $(stat edges_found max) edges"
echo "stability:       $(awk -F' *: *' '$1 == "stability" { print $2 }' "$out/$first/fuzzer_stats")"
echo "corpus:          $(stat corpus_count sum) entries ($seeds seeds) in $out/*/queue"
if [[ -n $sync ]]; then
	# Queue entries an instance took from another one are named sync:<that instance>.
	echo "sync:            $afl_out as $role; queue entries taken from other instances:"
	for n in "${names[@]}"; do
		echo "  $n: $(find "$out/$n/queue/" -maxdepth 1 -name '*sync:*' | wc -l) of $(find "$out/$n/queue/" -maxdepth 1 -name 'id:*' | wc -l)"
	done
	echo "all machines:    afl-whatsup -s -d $afl_out"
fi
echo "findings:        ${#findings[@]}"
for f in "${findings[@]}"; do echo "  $f"; done
((${#findings[@]})) && echo "reproduce: $(repro_command "$target" "<file>")"
((${#findings[@]})) && exit 1
exit "$status"
