# SPDX-License-Identifier: MIT
"""How far a run got with the mutant switched on (docs/mutation.md): its
VSF_MUTANT_COUNTS files (mutation/runtime/mutant.h) and the class they give a
survivor of a fuzz level, as run.py writes it in the results and report.py
reads it back.

  infection.py MUTANTS_TSV ID COUNTS...

prints the class of mutant ID after the runs that wrote the COUNTS files.
"""
import os
import struct
import sys

MAGIC = b'vsfmut2'  # mutant.h's VSF_MUTANT_COUNTS_MAGIC: the layout of the file

NOT_REACHED = 'not reached by the fuzzer'
NOT_TRIGGERED = 'reached, not triggered'
NOT_DETECTED = 'triggered, not detected'
CLASSES = (NOT_REACHED, NOT_TRIGGERED, NOT_DETECTED)


class CountsError(Exception):
    pass


def read_counts(path, n):
    """(reached, triggered) of a counts file of a build with n mutants."""
    with open(path, 'rb') as f:
        data = f.read()
    magic, count = data[:8], struct.unpack_from('=I', data, 8)[0] if len(data) >= 12 else None
    if magic.rstrip(b'\0') != MAGIC or count != n or len(data) < 16 + 16 * n:
        raise CountsError('%s: not a counts file of this build' % path)
    both = struct.unpack_from('=%dQ' % (2 * n), data, 16)
    return both[:n], both[n:]


def survivor_class(index, paths, n):
    """The class of mutant index, which a fuzzer did not kill, from the
    counts files of its runs (one that is not there counted nothing), with
    the counts summed: 'triggered, not detected (reached R, triggered T)'."""
    reached = triggered = 0
    for path in paths:
        if os.path.exists(path):
            r, t = read_counts(path, n)
            reached += r[index]
            triggered += t[index]
    cls = NOT_DETECTED if triggered else NOT_TRIGGERED if reached else NOT_REACHED
    return '%s (reached %d, triggered %d)' % (cls, reached, triggered)


def class_of(detail):
    """The class a results line's detail names, or None."""
    return next((c for c in CLASSES if detail.startswith(c)), None)


def main():
    mutants_tsv, mid, *paths = sys.argv[1:]
    with open(mutants_tsv) as f:
        ids = [line.split('\t')[1] for line in f]
    if mid not in ids:
        sys.exit('%s: no mutant %s' % (mutants_tsv, mid))
    try:
        print(survivor_class(ids.index(mid), paths, len(ids)))
    except CountsError as e:
        sys.exit(str(e))


if __name__ == '__main__':
    main()
