#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Run driver once per mutant of sample.c's schema copy and check its
trigger counts (tests/mutation_schema.sh):

  check.py DRIVER MUTANTS_TSV EXPECTED MUTATION_DIR WORK

Every mutant: one that was never triggered behaves as the original did (it
changed nothing, so nothing can differ); a relational, arithmetic, constant
or condition mutant calls count() as often as the original (its operands are
evaluated once). The mutants of EXPECTED: the class they must have."""
import os
import subprocess
import sys

driver, mutants_tsv, expected, mutation_dir, work = sys.argv[1:]
sys.path.insert(0, mutation_dir)
import infection  # noqa: E402

CLASS = {infection.NOT_DETECTED: 'triggered', infection.NOT_TRIGGERED: 'reached',
         infection.NOT_REACHED: 'unreached'}
ONCE = ('ror', 'aor', 'const', 'cond')

mutants = [line.rstrip('\n').split('\t') for line in open(mutants_tsv)]
env = {k: v for k, v in os.environ.items() if not k.startswith('VSF_')}
original = subprocess.run([driver], env=env, check=True, stdout=subprocess.PIPE, text=True).stdout
want = {}
for line in open(expected):
    if line.strip() and not line.startswith('#'):
        key, cls = line.split()
        want[key] = cls
found, failures = {}, []
for index, mid, _, line_no, _, op, orig, repl in mutants:
    counts = os.path.join(work, 'counts')
    if os.path.exists(counts):
        os.unlink(counts)
    out = subprocess.run([driver], env=dict(env, VSF_MUTANT=mid, VSF_MUTANT_COUNTS=counts),
                         check=True, stdout=subprocess.PIPE, text=True).stdout
    detail = infection.survivor_class(int(index), [counts], len(mutants))
    cls = CLASS[infection.class_of(detail)]
    what = '%s (line %s, %s -> %s): %s, prints %s' % (mid, line_no, orig, repl, detail, out.strip())
    if cls != 'triggered' and out != original:
        failures.append('%s: not triggered, yet not as the original (%s)' % (what,
                                                                            original.strip()))
    if op in ONCE and out.split('calls')[1] != original.split('calls')[1]:
        failures.append('%s: count() called as often as the original? %s' % (what,
                                                                              original.strip()))
    key = '%s:%s-%s' % (mid.split(':')[1], op, repl)
    if key in want:
        found[key] = found.get(key, 0) + 1
        if cls != want[key]:
            failures.append('%s: expected %s' % (what, want[key]))
for key in want:
    if found.get(key) != 1:
        failures.append('%s names %d mutants of the sample, not one' % (key, found.get(key, 0)))
for f in failures:
    print('FAIL: ' + f, file=sys.stderr)
if failures:
    sys.exit(1)
print('%d mutants: the untriggered ones behave as the original, the listed %d as expected'
      % (len(mutants), len(want)))
