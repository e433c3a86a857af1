#!/usr/bin/env bash
# Run a fuzz campaign: the README's main command.
#
#   scripts/fuzz.sh [--engine libfuzzer|afl|both] [--target HARNESS|all] [--duration 10m]
#                   [--jobs N] [--out DIR] [--update-corpus]
#                   [--sync-dir DIR [--role main|secondary]]   (AFL++ only)
#   scripts/fuzz.sh --frontend-cmd 'CMD ... {socket} ...' [--profile FILE]
#                   [--engine libfuzzer|afl] [--duration 10m] [--jobs N] [--out DIR]
#                   [--target-map-size N]
#
# Defaults: libFuzzer, every harness (all), 10 minutes, all cores shared
# between the harnesses, output in fuzz-out/<target>-<engine>/<harness>/
# (reused to resume). Installs what is missing, builds the engine's preset
# (ASan + UBSan), seeds from corpus/<harness>/ with dict/<harness>.dict, shows
# a progress line per harness every 15 s and a summary at the end (also on
# Ctrl-C or SIGTERM). Then: scripts/triage.sh folds each harness's raw findings
# into <harness>/findings/ (a report.md per unique finding), and the campaign
# writes <out>/summary.md, a coverage/executions plot per harness (PNG) and the
# line and branch coverage of src/ by the final corpus (<out>/coverage/).
# --update-corpus then merges each harness's new corpus into corpus/<harness>/
# (scripts/update-corpus.sh: seeds from text kept, the rest minimized).
# --sync-dir: the AFL++ instances fuzz in DIR/<harness>, shared with other
# machines' (one --role main, the default, the others secondary), named
# after this host; --out keeps this host's logs, findings and report.
# --engine both: an AFL++ campaign (OUT/afl) and a libFuzzer one
# (OUT/libfuzzer) side by side, half the cores each (at least one job per
# harness and engine), each taking in what the other finds: AFL++'s main
# instance imports the libFuzzer corpus (afl-fuzz -F), libFuzzer restarts
# every 10 minutes from its corpus plus the AFL++ queue. OUT/summary.md has
# both engines' tables and the coverage of src/ by both corpora together.
# --frontend-cmd: a campaign against a front-end that runs as its own process
# (docs/targets.md): harness fuzz_frontend_process plays each program against
# a target started from CMD ({socket}: the path of the socket it connects
# to), fresh for each input unless the profile FILE says `keep reconnect`
# (then kept across inputs while its state is a fresh one's:
# VSF_TARGET_KEEP=1), judged under that profile; seeded with the
# committed corpora of every harness and what in-process campaigns grew
# (fuzz-out/*/<harness>/corpus; VSF_GROWN_SEEDS=0: not those), their
# dictionaries merged. Output in fuzz-out/fuzz_frontend_process-<engine>/.
# The report adds the driver's counts (inputs played, refused, known
# deviations, ops not applicable) and says how the target was fuzzed: with
# --engine afl, a target built with AFL++'s instrumentation (afl-clang-fast;
# found in the program the command runs, or --target-map-size N, its map
# size, for a command that runs it through a wrapper; 0: not) shares the
# campaign's coverage map and guides it; any other target is fuzzed
# black-box, guided by the driver's own edges only (docs/targets.md).
set -euo pipefail
here=$PWD
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

engine=libfuzzer
target=all
duration=10m
jobs=$(nproc)
out=""
update_corpus=0
sync_dir=""
role=""
peer="" # internal, from --engine both: the other engine's campaign directory
frontend_cmd="" profile="" target_tmp="" run_env=() target_map=""

usage() {
	sed -n '2,43p' "$0" | sed 's/^# \{0,1\}//'
	echo "harnesses: $(tr '\n' ' ' <fuzz/harnesses.txt)"
	exit "${1:-2}"
}

while (($#)); do
	case "$1" in
	--engine) engine=${2:?}; shift 2 ;;
	--target) target=${2:?}; shift 2 ;;
	--duration) duration=${2:?}; shift 2 ;;
	--jobs) jobs=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	--update-corpus) update_corpus=1; shift ;;
	--sync-dir) sync_dir=${2:?}; shift 2 ;;
	--role) role=${2:?}; shift 2 ;;
	--peer) peer=${2:?}; shift 2 ;;
	--frontend-cmd) frontend_cmd=${2:?}; shift 2 ;;
	--profile) profile=${2:?}; shift 2 ;;
	--target-map-size) target_map=${2:?}; shift 2 ;;
	-h|--help) usage 0 ;;
	*) echo "fuzz.sh: unknown argument: $1" >&2; usage ;;
	esac
done

# 90s, 10m, 8h, 1d, or plain seconds.
to_seconds() {
	local v=$1 n unit
	[[ $v =~ ^([0-9]+)([smhd]?)$ ]] || { echo "fuzz.sh: bad duration: $v" >&2; exit 2; }
	n=${BASH_REMATCH[1]} unit=${BASH_REMATCH[2]}
	case $unit in
	m) echo $((n * 60)) ;; h) echo $((n * 3600)) ;; d) echo $((n * 86400)) ;; *) echo "$n" ;;
	esac
}
secs=$(to_seconds "$duration")

# Wait for background job $1 to end (a trapped signal ends a wait early);
# its exit status in gone_status.
wait_gone() {
	while :; do
		gone_status=0
		wait "$1" || gone_status=$?
		kill -0 "$1" 2>/dev/null || return 0
	done
}
if [[ -n $frontend_cmd ]]; then
	# One harness, the driver, against the front-end process.
	[[ $target == all || $target == fuzz_frontend_process ]] ||
		{ echo "fuzz.sh: --target names an in-process harness; --frontend-cmd fuzzes the process" >&2; exit 2; }
	[[ $engine != both ]] || { echo "fuzz.sh: --frontend-cmd takes --engine libfuzzer or afl" >&2; exit 2; }
	[[ $frontend_cmd == *"{socket}"* ]] ||
		{ echo "fuzz.sh: --frontend-cmd has no {socket}: the target could not find the driver" >&2; exit 2; }
	[[ -z $profile || $profile == /* ]] || profile=$here/$profile
	[[ -z $profile || -f $profile ]] || { echo "fuzz.sh: no profile $profile" >&2; exit 2; }
	target=fuzz_frontend_process
	targets=("$target")
	export VSF_TARGET_CMD=$frontend_cmd VSF_TARGET_PROFILE=$profile
	# Kept across inputs where the profile says the target can be.
	if [[ -n $profile ]] && grep -qE '^keep[[:space:]]+reconnect' "$profile"; then
		export VSF_TARGET_KEEP=1
	fi
elif [[ -n $profile || -n $target_map ]]; then
	echo "fuzz.sh: --profile and --target-map-size go with --frontend-cmd" >&2
	exit 2
elif [[ $target == all ]]; then
	mapfile -t targets <fuzz/harnesses.txt
else
	grep -qx "$target" fuzz/harnesses.txt || { echo "fuzz.sh: no harness named $target" >&2; usage; }
	targets=("$target")
fi
[[ $engine == libfuzzer || $engine == afl || $engine == both ]] ||
	{ echo "fuzz.sh: engine must be libfuzzer, afl or both" >&2; exit 2; }
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: --jobs must be a positive number" >&2; exit 2; }
# Options for the runner: AFL++'s sync directory and this host's role in it.
runner_opts=()
if [[ -n $sync_dir ]]; then
	[[ $engine == afl && -z $peer ]] || { echo "fuzz.sh: --sync-dir is for --engine afl" >&2; exit 2; }
	[[ ${role:=main} == main || $role == secondary ]] || { echo "fuzz.sh: --role must be main or secondary" >&2; exit 2; }
	mkdir -p "$sync_dir"
	runner_opts=(--sync-dir "$(cd "$sync_dir" && pwd)" --role "$role")
elif [[ -n $role ]]; then
	echo "fuzz.sh: --role needs --sync-dir" >&2
	exit 2
fi
out=${out:-fuzz-out/$target-$engine}
mkdir -p "$out"
out=$(cd "$out" && pwd)

setup=(gnuplot)
[[ $engine != libfuzzer ]] && setup+=(afl)
scripts/setup.sh "${setup[@]}"
if [[ $engine != libfuzzer ]]; then
	presets=(afl afl-cmplog)
	# Against a process, CMPLOG would see the driver's compares only.
	[[ -z $frontend_cmd ]] || presets=(afl) runner_opts+=(--no-cmplog)
	for preset in "${presets[@]}"; do
		build_preset "$preset" "${targets[@]}"
	done
	# The structure-aware mutator, as a plain shared library for afl-fuzz.
	build_preset default vsf_afl_mutator
	runner=scripts/fuzz-afl.sh
fi
if [[ $engine != afl ]]; then
	build_preset libfuzzer "${targets[@]}"
	runner=scripts/fuzz-libfuzzer.sh
fi
if [[ $engine == both ]]; then
	half=$((jobs / 2))
	((half > 0)) || half=1
	echo "fuzz.sh: both engines on ${targets[*]} for ${secs}s: AFL++ in $out/afl, libFuzzer in $out/libfuzzer"
	sub=(--target "$target" --duration "$secs")
	((update_corpus)) && sub+=(--update-corpus)
	"$0" --engine afl "${sub[@]}" --jobs "$half" --out "$out/afl" --peer "$out/libfuzzer" \
		> >(sed -u 's/^/[afl] /') 2>&1 &
	pids=($!)
	"$0" --engine libfuzzer "${sub[@]}" --jobs "$((jobs - half > 0 ? jobs - half : 1))" \
		--out "$out/libfuzzer" --peer "$out/afl" > >(sed -u 's/^/[libfuzzer] /') 2>&1 &
	pids+=($!)
	trap 'kill -TERM "${pids[@]}" 2>/dev/null' INT TERM
	status=0
	for p in "${pids[@]}"; do
		wait_gone "$p"
		((gone_status == 0)) || status=$gone_status
	done
	trap - INT TERM
	scripts/campaign-report.sh both "$out" "${targets[@]}" ||
		echo "fuzz.sh: the campaign report is incomplete (see above)"
	echo "summary: $out/summary.md"
	exit "$status"
fi

# Against a process: the seeds and dictionaries of every harness, the
# driver's counters (VSF_TARGET_STATS) and a TMPDIR of the campaign's own
# for the targets' sockets, to find a target its driver left (reap_targets).
if [[ -n $frontend_cmd ]]; then
	h=fuzz_frontend_process
	mkdir -p "$out/$h/seeds" "$out/$h/stats"
	while read -r src; do
		grown=(fuzz-out/*/"$src"/corpus fuzz-out/*/*/"$src"/corpus)
		[[ ${VSF_GROWN_SEEDS:-1} != 0 ]] || grown=()
		for d in "corpus/$src" "${grown[@]}"; do
			[[ -d $d ]] || continue
			for f in "$d"/*; do
				[[ ! -f $f || -e $out/$h/seeds/$src-${f##*/} ]] || cp "$f" "$out/$h/seeds/$src-${f##*/}"
			done
		done
	done <fuzz/harnesses.txt
	merged_dict >"$out/$h/merged.dict"
	runner_opts+=(--seeds "$out/$h/seeds" --dict "$out/$h/merged.dict")
	# The target's own edges guide AFL++ when it is built with its instrumentation.
	if [[ $engine == afl ]]; then
		target_coverage "$frontend_cmd" "$PWD/build/afl/fuzz/$h" "$target_map"
	else
		export VSF_TARGET_COVERAGE=black-box
	fi
	target_tmp=$(mktemp -d "${TMPDIR:-/tmp}/vsf-fuzz.XXXXXX")
	run_env=(env TMPDIR="$target_tmp" VSF_TARGET_STATS="$out/$h/stats")
	echo "fuzz.sh: against $frontend_cmd (profile ${profile:-none, the rules of the model});" \
		"$(find "$out/$h/seeds" -type f | wc -l) seeds, dictionary of $(wc -l <"$out/$h/merged.dict") entries;" \
		"$VSF_TARGET_COVERAGE${VSF_TARGET_MAP_SIZE:+ (a map of $VSF_TARGET_MAP_SIZE entries in the target)}"
fi

# The cores are shared: each harness gets jobs / harnesses of them (at least 1).
per=$((jobs / ${#targets[@]}))
((per > 0)) || per=1
pids=()
start=$(date +%s)
for h in "${targets[@]}"; do
	mkdir -p "$out/$h"
	# --engine both: what the other engine finds comes in.
	share=()
	if [[ -n $peer && $engine == afl ]]; then
		share=(--foreign "$peer/$h/corpus")
	elif [[ -n $peer ]]; then
		share=(--import "$peer/$h/main/queue")
	fi
	"${run_env[@]}" "$runner" "$h" "$secs" "$per" "$out/$h" "${runner_opts[@]}" "${share[@]}" \
		>"$out/$h/campaign.log" 2>&1 &
	pids+=($!)
	printf 'elapsed_s\texecs\tcoverage\n' >"$out/$h/timeline.tsv"
done
echo "fuzz.sh: $engine on ${targets[*]} for ${secs}s, $per job(s) each; logs $out/<harness>/campaign.log"

# Ctrl-C or SIGTERM stops the campaigns (each prints its summary), and the
# rest still runs. (A background job has SIGINT ignored: forward TERM.)
stopped=0 reaped=0
trap 'stopped=1; kill -TERM "${pids[@]}" 2>/dev/null' INT TERM
# A progress line per harness every 15 s: the campaign's own latest line,
# also kept as a point of the timeline (seconds, executions, coverage).
while any_alive "${pids[@]}"; do
	sleep 15 &
	wait $! 2>/dev/null || true
	now=$(($(date +%s) - start))
	for h in "${targets[@]}"; do
		line=$(awk '/^\[ *[0-9]+s\]/ { l = $0 } END { print l }' "$out/$h/campaign.log" |
			sed -E 's/^\[ *[0-9]+s\] //')
		[[ -n $line ]] || continue
		[[ -z $target_tmp ]] || line+="  | $(scripts/campaign-report.sh counts "$out/$h/stats")"
		printf '[%5ds] %-22s %s\n' "$now" "$h" "$line"
		scripts/campaign-report.sh point "$engine" "$line" "$now" >>"$out/$h/timeline.tsv"
	done
	[[ -z $target_tmp ]] || reaped=$((reaped + $(reap_targets "$target_tmp")))
done
status=0
for p in "${pids[@]}"; do
	wait_gone "$p"
	# 1: the campaign had findings; after a stop we asked for, the engines'
	# own exit codes for it (libFuzzer's 72, a signal's) are no failure.
	((gone_status == 0 || gone_status == 1 || stopped)) || status=$gone_status
done
trap - INT TERM
if [[ -n $target_tmp ]]; then
	# The engines are gone: every target left is one a driver left.
	reaped=$((reaped + $(reap_targets "$target_tmp")))
	echo "fuzz.sh: ended $reaped target(s) whose driver did not end normally (a finding, a timeout, the stop)"
	echo "$reaped" >"$out/fuzz_frontend_process/reaped"
	if pgrep -f -- "$target_tmp/" >/dev/null; then
		echo "fuzz.sh: still running, with sockets in $target_tmp:" >&2
		pgrep -af -- "$target_tmp/" >&2
	else
		rm -rf "$target_tmp"
	fi
fi
for h in "${targets[@]}"; do
	sed -n '/^==== fuzz summary/,$p' "$out/$h/campaign.log"
	scripts/triage.sh "$h" "$out/$h" || echo "fuzz.sh: triage of $h failed; raw findings stay in $out/$h"
done
scripts/campaign-report.sh write "$engine" "$out" "$(($(date +%s) - start))" "${targets[@]}" ||
	echo "fuzz.sh: the campaign report is incomplete (see above)"
echo "summary: $out/summary.md"
if ((update_corpus)); then
	for h in "${targets[@]}"; do
		scripts/update-corpus.sh "$h" "$out/$h" || status=1
	done
fi
exit "$status"
