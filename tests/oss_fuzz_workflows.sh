#!/usr/bin/env bash
# CTest oss-fuzz.workflows: every .github/workflows/*.y*ml parses as YAML; the
# ClusterFuzzLite workflows run code-change fuzzing on pull requests (600 s)
# and batch, prune and coverage on a schedule; and every job that runs the
# fuzzers names exactly the harnesses of fuzz/harnesses.txt (HARNESSES, whose
# every entry the job checks is built).
#   tests/oss_fuzz_workflows.sh SOURCE_DIR
# Exit 77 (skipped) only when Python's yaml module is missing and cannot be
# installed (scripts/setup.sh oss-fuzz).
set -euo pipefail
src=$(cd "$1" && pwd)

yaml_python() {
	local py
	for py in python3 /usr/bin/python3; do
		"$py" -c 'import yaml' 2>/dev/null && { echo "$py"; return 0; }
	done
	return 1
}
py=$(yaml_python) || { "$src/scripts/setup.sh" oss-fuzz && py=$(yaml_python); } ||
	{ echo "SKIP: no Python yaml module and it cannot be installed"; exit 77; }

"$py" - "$src" <<'EOF'
import glob, os, sys, yaml

src = sys.argv[1]
harnesses = open(os.path.join(src, "fuzz/harnesses.txt")).read().split()
errors = []
modes = {}  # run_fuzzers mode -> the triggers of its workflow
files = sorted(glob.glob(os.path.join(src, ".github/workflows/*.y*ml")))
if not files:
    errors.append("no workflow in .github/workflows/")
for path in files:
    name = os.path.relpath(path, src)
    try:
        wf = yaml.safe_load(open(path))
    except yaml.YAMLError as e:
        errors.append(f"{name}: not YAML: {e}")
        continue
    # YAML 1.1 reads the key `on` as true.
    on = wf.get("on", wf.get(True)) or {}
    triggers = set(on) if isinstance(on, (dict, list)) else {on}
    for job_name, job in wf.get("jobs", {}).items():
        runs = [s for s in job.get("steps", [])
                if s.get("uses", "").startswith("google/clusterfuzzlite/actions/run_fuzzers")]
        if not runs:
            continue
        env = {**wf.get("env", {}), **job.get("env", {})}
        named = str(env.get("HARNESSES", "")).split()
        if named != harnesses:
            errors.append(f"{name}: job {job_name} names {named}, fuzz/harnesses.txt has {harnesses}")
        if not any("$HARNESSES" in s.get("run", "") and "build-out/" in s.get("run", "")
                   for s in job["steps"]):
            errors.append(f"{name}: job {job_name} does not check build-out/ for every harness")
        for step in runs:
            mode = step.get("with", {}).get("mode")
            modes.setdefault(mode, set()).update(triggers)
            if mode == "code-change" and step["with"].get("fuzz-seconds") != 600:
                errors.append(f"{name}: code-change fuzzing is not 600 s")
for mode, trigger in [("code-change", "pull_request"), ("batch", "schedule"),
                      ("prune", "schedule"), ("coverage", "schedule")]:
    if trigger not in modes.get(mode, set()):
        errors.append(f"no ClusterFuzzLite {mode} run on {trigger}")
for e in errors:
    print("FAIL:", e)
if errors:
    sys.exit(1)
print(f"{len(files)} workflow file(s) parse; code-change, batch, prune and coverage runs "
      f"name every harness: {' '.join(harnesses)}")
EOF
