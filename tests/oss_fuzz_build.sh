#!/usr/bin/env bash
# CTest oss-fuzz.<engine>: .clusterfuzzlite/build.sh run as OSS-Fuzz's and
# ClusterFuzzLite's `compile` runs it, with their environment set by hand
# (no docker engine here), into temporary $SRC, $WORK and $OUT; then every
# harness of fuzz/harnesses.txt must be in $OUT with its seed zip (holding
# exactly corpus/<harness>/), dictionary and options, and run over every seed
# without a finding.
#   tests/oss_fuzz_build.sh libfuzzer|afl SOURCE_DIR
# libfuzzer: the binary runs the unzipped seeds (each must be executed) and
# carries the structure-aware mutator. afl: AFL++'s driver (libAFLDriver.a)
# runs the seeds given as arguments, and afl-showmap sees its instrumentation.
# Exit 77 (skipped) only when AFL++ is missing and cannot be installed.
set -euo pipefail
engine=$1
src=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

flags="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address -fsanitize-address-use-after-scope"
case $engine in
libfuzzer)
	export CC=clang CXX=clang++ CFLAGS="$flags -fsanitize=fuzzer-no-link" LIB_FUZZING_ENGINE=-fsanitize=fuzzer
	;;
afl)
	if ! command -v afl-clang-fast >/dev/null; then
		"$src/scripts/setup.sh" afl || { echo "SKIP: AFL++ is not installed and cannot be"; exit 77; }
	fi
	# Debian's afl++ puts the driver in /usr/lib/afl; a source install in <prefix>/lib/afl.
	driver=$(dirname "$(dirname "$(command -v afl-clang-fast)")")/lib/afl/libAFLDriver.a
	[[ -f $driver ]] || fail "no AFL++ driver at $driver"
	export CC=afl-clang-fast CXX=afl-clang-fast++ CFLAGS="$flags" LIB_FUZZING_ENGINE=$driver
	;;
*) fail "engine must be libfuzzer or afl" ;;
esac
mkdir -p "$tmp"/{src,work,out,seeds}
ln -s "$src" "$tmp/src/vhost-shmem-fuzz"
export CXXFLAGS=$CFLAGS SRC=$tmp/src WORK=$tmp/work OUT=$tmp/out SANITIZER=address FUZZING_ENGINE=$engine
(cd "$SRC/vhost-shmem-fuzz" && "$SRC/vhost-shmem-fuzz/.clusterfuzzlite/build.sh") >"$tmp/build.log" 2>&1 ||
	{ cat "$tmp/build.log"; fail "build.sh ($engine)"; }

mapfile -t harnesses <"$src/fuzz/harnesses.txt"
((${#harnesses[@]})) || fail "no harness in fuzz/harnesses.txt"
for h in "${harnesses[@]}"; do
	[[ -x $OUT/$h ]] || fail "$OUT/$h missing"
	cmp -s "$OUT/$h.dict" "$src/dict/$h.dict" || fail "$h.dict is not dict/$h.dict"
	grep -qx "dict = $h.dict" "$OUT/$h.options" || fail "$h.options does not name $h.dict"
	seeds=$tmp/seeds/$h
	unzip -q "$OUT/${h}_seed_corpus.zip" -d "$seeds" || fail "${h}_seed_corpus.zip"
	diff -r "$src/corpus/$h" "$seeds" >/dev/null || fail "${h}_seed_corpus.zip is not corpus/$h/"
	n=$(find "$seeds" -type f | wc -l)
	((n > 0)) || fail "no seeds for $h"
	log=$tmp/$h.log
	if [[ $engine == libfuzzer ]]; then
		[[ $(nm "$OUT/$h") == *" T LLVMFuzzerCustomMutator"* ]] || fail "$h lacks the custom mutator"
		"$OUT/$h" -timeout=10 "$seeds"/* >"$log" 2>&1 || { tail -n 40 "$log"; fail "$h on its seeds"; }
		grep -q 'vsf: structure-aware program mutator in use' "$log" || fail "$h: mutator not in use"
		ran=$(grep -c '^Executed ' "$log" || true)
	else
		"$OUT/$h" "$seeds"/* >"$log" 2>&1 || { tail -n 40 "$log"; fail "$h on its seeds"; }
		ran=$(grep -c '^Execution successful' "$log" || true)
		AFL_QUIET=1 afl-showmap -q -i "$seeds" -o "$tmp/map-$h" -- "$OUT/$h" >/dev/null 2>&1 ||
			fail "afl-showmap on $h"
		[[ -n $(cat "$tmp/map-$h"/* 2>/dev/null) ]] || fail "afl-showmap saw no coverage in $h"
	fi
	((ran == n)) || fail "$h ran $ran of its $n seeds"
	echo "oss-fuzz $engine: $h built, $n seeds run clean"
done
