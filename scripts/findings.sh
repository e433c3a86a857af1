# shellcheck shell=bash
# Sourced by repro.sh, triage.sh and the target scripts: reading a replay's log as a finding.
#
# A finding's signature is what two reports of one bug share:
#   oracle <name> <op kind>: <what differed>    for an oracle violation (its
#                                               numbers replaced by N);
#   internal-bug <file>:<line>                  for the library's own assertion;
#   harness-setup <what failed>                 for a set-up failure of the
#                                               harness itself (not the
#                                               front-end's: a memfd, a seal);
#   timeout                                     for an input that ran too long;
#   <sanitizer>:<kind> <f0> <f1> <f2>           for a sanitizer report: its kind
#                                               and the top three frames of the
#                                               symbolized stack (sanitizer
#                                               runtime frames left out).

# The replay's environment: symbolized stacks, UBSan stacks, leaks checked.
findings_env() {
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:symbolize=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:symbolize=1}
	export MSAN_OPTIONS=${MSAN_OPTIONS:-symbolize=1}
	if [[ -z ${ASAN_SYMBOLIZER_PATH:-} ]] && command -v llvm-symbolizer >/dev/null; then
		ASAN_SYMBOLIZER_PATH=$(command -v llvm-symbolizer)
		export ASAN_SYMBOLIZER_PATH
	fi
}

# finding_replay REPLAY-BINARY INPUT LOG: run one input (at most 120 s), its
# output in LOG; 0 when it ran clean. (In a group with stderr to /dev/null,
# so that the shell's "Aborted" notice stays out.) Against a front-end
# process (VSF_TARGET_CMD set), a fresh target (never a kept one), with a
# TMPDIR of its own: a replay that ends on a finding leaves its target
# running (lib.sh's reap_targets), ended here.
finding_replay() {
	[[ -n ${VSF_TARGET_CMD:-} ]] || { { timeout 120 "$1" "$2" >"$3" 2>&1; } 2>/dev/null; return; }
	local tmp status=0
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/vsf-run.XXXXXX")
	# A fresh target, whatever a campaign did: a finding must reproduce alone.
	{ VSF_TARGET_KEEP=0 TMPDIR=$tmp timeout 120 "$1" "$2" >"$3" 2>&1; } 2>/dev/null || status=$?
	reap_targets "$tmp" >/dev/null
	rm -rf "$tmp"
	return "$status"
}

# repro_command HARNESS FILE: the command that reruns FILE (a finding of
# HARNESS; fuzz_frontend_process: against VSF_TARGET_CMD under
# VSF_TARGET_PROFILE), paths relative to the repository where inside it.
repro_command() {
	local q="'\\''"
	if [[ $1 == fuzz_frontend_process ]]; then
		printf "scripts/repro.sh --frontend-cmd '%s'" "${VSF_TARGET_CMD//\'/$q}"
		[[ -z ${VSF_TARGET_PROFILE:-} ]] || printf " --profile %s" "$(repo_path "$VSF_TARGET_PROFILE")"
		printf " %s\n" "$(repo_path "$2")"
	else
		echo "scripts/repro.sh $1 $(repo_path "$2")"
	fi
}

# caught_by LOG: the oracle of the first violation, with the sanitizer
# report when the target died of one, and the op where it was seen:
# "`[oracle]` at op N (kind)" (target-canaries.sh's "by", and what
# target-coverage-compare.sh matches a campaign's reports against).
caught_by() {
	local line oracle san at
	line=$(grep -m1 -E '==vsf== (ERROR: )?ORACLE VIOLATION \[' "$1") || {
		grep -q '==vsf== TIMEOUT' "$1" && { echo "timeout"; return; }
		echo "exit status without a report"
		return
	}
	oracle=$(sed -E 's/.*ORACLE VIOLATION \[([^]]+)\].*/\1/' <<<"$line")
	at=$(sed -nE 's/.* at (op [0-9]+ \([^)]*\)).*/\1/p' <<<"$line")
	if [[ $oracle == target-died ]]; then
		san=$(grep -oE 'LeakSanitizer: detected memory leaks|(Address|Memory|UndefinedBehavior)Sanitizer: [A-Za-z-]+|runtime error: [a-z -]+|internal bug at [^ ]+:[0-9]+|killed by signal [0-9]+ \([A-Z]+\)|exited with status [0-9]+' <<<"$line" |
			head -1 | sed 's|internal bug at .*/|internal bug at |') || san=""
		oracle="target-died${san:+: $san}"
	fi
	echo "\`[$oracle]\`${at:+ at $at}"
}

# finding_signature LOG: print the signature; nothing (status 1) if the log
# holds no finding.
finding_signature() {
	local log=$1 line kind
	line=$(grep -m1 -E '==vsf== (ERROR: )?ORACLE VIOLATION \[' "$log") && {
		# The oracle, the op kind, and what differed with its numbers out:
		# two bugs one oracle catches differ there, one bug's reports do not.
		sed -E 's/.*ORACLE VIOLATION \[([^]]+)\] in [^ ]+ at op [0-9]+ \(([^)]*)\): (.*)/oracle \1 \2: \3/
			s/0x[0-9a-fA-F]+|[0-9]+/N/g' <<<"$line" | cut -c1-160
		return 0
	}
	line=$(grep -m1 -oE 'vhost-shmem: internal bug at [^ ]+:[0-9]+' "$log") && {
		echo "internal-bug ${line##*/}"
		return 0
	}
	line=$(grep -m1 -oE 'HARNESS SET-UP FAILED: [^(]*' "$log") && {
		sed -E 's/HARNESS SET-UP FAILED: /harness-setup /; s/ +$//; s/[0-9]+/N/g' <<<"$line"
		return 0
	}
	grep -q '==vsf== TIMEOUT' "$log" && { echo "timeout"; return 0; }
	kind=$(grep -m1 -oE '(Address|Memory|Leak|UndefinedBehavior|Thread)Sanitizer: [A-Za-z-]+' "$log") ||
		kind=$(grep -m1 -oE 'runtime error: [a-z -]+' "$log" | sed 's/runtime error: /UndefinedBehaviorSanitizer: /') ||
		{ grep -q 'ERROR: libFuzzer: deadly signal' "$log" && kind="libFuzzer: deadly-signal"; } ||
		return 1
	kind=${kind/: /:}
	kind=${kind// /-}
	# The top three frames of the first stack, without the sanitizers' own.
	local frames
	frames=$(awk '/^ *#[0-9]+ 0x/ { for (i = 1; i <= NF; i++) if ($i == "in") { print $(i + 1); break } }
		      /^$/ && seen { exit } /^ *#0 / { seen = 1 }' "$log" |
		grep -vE '^(__interceptor_|__asan|__msan|__ubsan|__sanitizer|__lsan|malloc$|calloc$|realloc$|free$)' |
		head -3 | tr '\n' ' ')
	echo "$kind ${frames% }"
}

# finding_slug SIGNATURE: a directory name for it.
finding_slug() {
	tr -c 'A-Za-z0-9_\n' '-' <<<"$1" | sed -E 's/-+/-/g; s/-$//' | cut -c1-80
}

# finding_op LOG: "op N (kind)" where the report says the harness was.
finding_op() {
	grep -m1 -oE '(ORACLE VIOLATION \[[^]]+\]|SANITIZER REPORT) in [^ ]+ at op [0-9]+ \([^)]*\)' "$1" |
		sed -E 's/.* at (op .*)/\1/'
}

# finding_report OUT.md HARNESS INPUT LOG PROGRAM.txt RERUN COUNT
finding_report() {
	local md=$1 harness=$2 input=$3 log=$4 prog=$5 rerun=$6 count=$7 sig op
	sig=$(finding_signature "$log") || sig="(no finding)"
	op=$(finding_op "$log") || op="(not named)"
	{
		echo "# Finding: \`$sig\`"
		echo
		echo "- harness: \`$harness\`"
		echo "- failing op: $op"
		echo "- raw findings with this signature: $count"
		echo "- input: \`$input\`"
		echo "- rerun: \`$rerun\`"
		echo
		echo "## Report"
		echo
		echo '```'
		# (awk, not grep | head: no match and an early close are no errors here.)
		awk '/==vsf== (ORACLE|SANITIZER|TIMEOUT|message)|internal bug|ERROR:|SUMMARY:|runtime error|^ *#[0-9]+ 0x|^(READ|WRITE) of|by thread|is located/ &&
			!/canary .* reached/ && n++ < 60' "$log"
		echo '```'
		echo
		echo "## Program"
		echo
		echo '```'
		cat "$prog"
		echo '```'
	} >"$md"
}
