#!/usr/bin/env bash
# The bug-zoo canaries never reach a real build: no symbol or string that
# names a canary (its id, the VSF_CANARY switch, the vsf_canary_ functions)
# in the library and the programs of BUILD_DIR. With --expect-canaries the
# opposite is checked, on a canary build, to show the check can see them.
# Nor does the fault injector's system-call table (src/syscalls.h) reach the
# library programs link or vhost-shmem-frontend: it is in the faultable
# build only, which the harnesses link (checked to show the check sees it),
# and there every system call of the list goes through it: no object but
# syscalls.c's names one (the harness's fault injection and its count of
# the front-end's file mappings rely on it).
# Usage: no_canaries.sh [--expect-canaries] BUILD_DIR SOURCE_DIR
set -euo pipefail

expect=0
[[ ${1:-} == --expect-canaries ]] && { expect=1; shift; }
bin=${1:?build dir} src=${2:?source dir}

# The canary ids, as mutation/runtime/canary.h lists them: X(ID, "name").
mapfile -t names < <(sed -n 's/^[[:space:]]*X([A-Z_]*, "\([a-z-]*\)").*/\1/p' "$src/mutation/runtime/canary.h")
((${#names[@]} >= 19)) || { echo "FAIL: found ${#names[@]} canary ids in mutation/runtime/canary.h" >&2; exit 1; }

files=("$bin/src/libvhost_shmem.a" "$bin/src/libvsf_wire.a" "$bin"/tools/vhost-shmem-frontend "$bin"/tools/vsf-demo-backend)
for f in "$bin"/fuzz/fuzz_*; do
	[[ -f $f && -x $f ]] && files+=("$f")
done
found=()
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for f in "${files[@]}"; do
	[[ -e $f ]] || { echo "FAIL: $f was not built" >&2; exit 1; }
	# Code and data only: debug info also names the no-op inline stubs a
	# real build has (vsf_canary_report's), so look at a copy without it.
	copy=$scratch/$(basename "$f")
	objcopy --strip-debug "$f" "$copy"
	# Whole strings only: a canary id is a string of its own in a canary build.
	hits=$( { strings -a "$copy"; nm -a "$copy" 2>/dev/null || true; } |
		grep -E -x -e "$(IFS='|'; echo "(${names[*]})")" -e '.*VSF_CANARY.*' -e '.*vsf_canary_.*' |
		sort -u | head -n 5 || true)
	[[ -n $hits ]] && found+=("${f#"$bin"/}: $(tr '\n' ' ' <<<"$hits")")
done

for f in "$bin/src/libvhost_shmem.a" "$bin"/tools/vhost-shmem-frontend; do
	if nm -a "$f" 2>/dev/null | grep -w vsf_syscalls >/dev/null; then
		echo "FAIL: $f calls through the fault-injection table" >&2
		exit 1
	fi
done
faultable=$bin/src/libvhost_shmem_faultable.a
if [[ -e $faultable ]] && ! nm -a "$faultable" | grep -w vsf_syscalls >/dev/null; then
	echo "FAIL: $faultable has no vsf_syscalls table (the check cannot see it)" >&2
	exit 1
fi
if [[ -e $faultable ]]; then
	# The calls of VSF_SYSCALL_LIST (src/syscalls.h), with their 64-bit names.
	mapfile -t calls < <(sed -n 's/^[[:space:]]*X(\([a-z_]*\),.*/\1/p' "$src/src/syscalls.h")
	((${#calls[@]} >= 10)) || { echo "FAIL: found ${#calls[@]} calls in src/syscalls.h" >&2; exit 1; }
	pattern="^($(IFS='|'; echo "${calls[*]}"))(64)?$"
	direct=$(nm -A -u "$faultable" | awk -v p="$pattern" '$NF ~ p && $1 !~ /:syscalls\.c\.o:$/ { print $1, $NF }')
	[[ -z $direct ]] || { echo "FAIL: calls around the fault-injection table: $direct" >&2; exit 1; }
	nm -A -u "$faultable" | awk -v p="$pattern" '$NF ~ p && $1 ~ /:syscalls\.c\.o:$/' | grep -q . ||
		{ echo "FAIL: syscalls.c names none of the calls (the check cannot see them)" >&2; exit 1; }
fi

if ((expect)); then
	((${#found[@]} == ${#files[@]})) || {
		echo "FAIL: a canary build without canary strings in some file: ${found[*]:-none}" >&2
		exit 1
	}
	echo "PASS: the canary build names its canaries in all ${#files[@]} files (the check sees them)"
else
	((${#found[@]} == 0)) || { printf 'FAIL: canary code in a real build: %s\n' "${found[@]}" >&2; exit 1; }
	echo "PASS: no canary in ${#files[@]} files of $bin, no fault-injection table in the programs' library"
fi
