#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The mutation report (docs/mutation.md): scores from a results file.

  report.py --mutants TSV --results TSV[:LEVEL=NEW] [--results ...] --equivalent FILE
            [--reasons FILE] [--out FILE] [--title T] [--note TEXT]

Prints the equivalence marks that name no mutant of the build (stale) on
stderr and exits 2 if there are any; writes the report to --out (markdown).
"""
import argparse
import collections
import sys

import infection

FUZZ_SECONDS = 30       # level 3: per engine, from the committed corpora
FROM_EMPTY_SECONDS = 60  # per engine, from an empty input
FROM_EMPTY_SAMPLE = 200
ENGINES = 2


def read_tsv(path):
    with open(path) as f:
        return [line.rstrip('\n').split('\t') for line in f if line.strip()]


def read_marks(path):
    """{id: reason}; a line is `<id> <reason>`, # starts a comment line: the
    equivalence marks, and the reasons of the from-empty survivors."""
    marks = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.startswith('#'):
                continue
            mid, _, reason = line.strip().partition(' ')
            if not reason.strip():
                sys.exit('%s:%d: %s has no reason' % (path, n, mid))
            marks[mid] = reason.strip()
    return marks


def status_of(mid, results, marks):
    """(status, level, detail): not-reached, equivalent, killed, survived or pending."""
    r = results.get(mid, {})
    if r.get('reach', ('',))[0] == 'not-reached':
        return 'not-reached', '', ''
    for level in ('1', '2', '2m', '3', '3-afl'):
        if r.get(level, ('',))[0] == 'killed':
            return 'killed', level, r[level][2]
    if mid in marks:
        return 'equivalent', '', marks[mid]
    if '2' in r:
        return 'survived', '', ''
    return 'pending', '', ''


def joined_results(specs):
    """The rows of every FILE or FILE:LEVEL=NEW in specs, in order (a later row
    of a mutant and level replaces an earlier one). FILE:LEVEL=NEW takes only
    that level's rows from FILE, renamed: an older run's file may hold other
    levels (and `reach` rows) that must not replace the current ones."""
    for spec in specs:
        path, old, new = spec, None, None
        head, sep, rename = spec.rpartition(':')
        if sep and '=' in rename:  # level names have no ':' or '='; a path may
            path = head
            old, _, new = rename.partition('=')
            if not old or not new.startswith(('3', 'empty')):
                sys.exit('report.py: --results %s: expected FILE:LEVEL=NEW, NEW a fuzz level '
                         '(3-..., empty-...)' % spec)
        for row in read_tsv(path):
            if old is None:
                yield row
            elif row[1] == old:
                yield [row[0], new] + row[2:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--mutants', required=True)
    ap.add_argument('--results', required=True, action='append',
                    help='a results.tsv; again for each run to join, FILE:LEVEL=NEW to '
                    'report a level of that file under another name (two runs of one level)')
    ap.add_argument('--note', help='the paragraph under the title instead of "Written by '
                    'scripts/mutation.sh": which runs a joined report joins, and a link')
    ap.add_argument('--equivalent', required=True)
    ap.add_argument('--out')
    ap.add_argument('--reasons', help='`<id> <reason>` lines: why a from-empty survivor '
                    'survived (mutation/survivors.txt), a column of its table')
    ap.add_argument('--title', help='default: the levels the results hold')
    ap.add_argument('--plot-data', help='per file: %% killed at L1, L2, L3, survived (gnuplot)')
    ap.add_argument('--plot', help='the plot the report shows (a path beside --out)')
    ap.add_argument('--expect', help='`<id> <outcome>` lines: killed-1, killed-2, survived, '
                    'equivalent or not-reached; exit 1 when one differs')
    a = ap.parse_args()
    mutants = [{'index': int(r[0]), 'id': r[1], 'file': r[2], 'line': int(r[3]), 'op': r[5],
                'orig': r[6], 'repl': r[7]} for r in read_tsv(a.mutants)]
    ids = {m['id'] for m in mutants}
    marks = read_marks(a.equivalent)
    reasons = read_marks(a.reasons) if a.reasons else {}
    for mid in sorted(set(reasons) - ids):
        print('survivor reason for %s: no such mutant in this build' % mid, file=sys.stderr)
    stale = sorted(set(marks) - ids)
    for mid in stale:
        print('stale equivalence mark: %s names no mutant of this build' % mid, file=sys.stderr)
    samples = collections.defaultdict(list)  # from empty, per configuration
    results = collections.defaultdict(dict)
    cpu = collections.defaultdict(float)
    runs = collections.Counter()
    for row in joined_results(a.results):
        mid, level, verdict, seconds = row[:4]
        results[mid][level] = (verdict, float(seconds), row[4] if len(row) > 4 else '')
    for mid, r in results.items():
        for level, (verdict, seconds, _) in r.items():
            if level.startswith('empty') and mid not in marks:
                samples[level].append(verdict)
            if level in ('1', '2', '2m', '3', '3-afl'):
                cpu[level] += seconds
                runs[level] += 1
    for m in mutants:
        m['status'], m['level'], m['detail'] = status_of(m['id'], results, marks)
    if a.plot_data:
        with open(a.plot_data, 'w') as f:
            for key, ms in grouped(mutants, 'file') + [('all', mutants)]:
                c = counts(ms)
                parts = [c['killed1'], c['killed2'] + c['killed2m'], c['killed3'], c['survived']]
                total = sum(parts) or 1
                f.write('%s %s\n' % (key, ' '.join('%.2f' % (100.0 * x / total) for x in parts)))
    if a.out:
        # Level 3 per engine: complete when every mutant still alive has its result
        # (one engine's kill spares the other's run).
        survivors = [m['id'] for m in mutants if m['status'] == 'survived']
        engines = ['%s%s' % (name, '' if all(level in results.get(i, {}) for i in survivors)
                             else ' in part')
                   for level, name in (('3', 'libFuzzer'), ('3-afl', 'AFL++')) if runs[level]]
        title = a.title or 'Mutation analysis: levels 1 and 2%s%s' % (
            ', level 3 (%s)' % ', '.join(engines) if engines else '',
            ', from empty' if samples else '')
        with open(a.out, 'w') as f:
            f.write(render(title, a.note, mutants, stale, cpu, runs, samples, a.plot, results,
                           reasons))
    if a.expect and not as_expected(a.expect, {m['id']: m for m in mutants}):
        sys.exit(1)
    sys.exit(2 if stale else 0)


def as_expected(path, by_id):
    ok = True
    with open(path) as f:
        for line in f:
            if not line.strip() or line.startswith('#'):
                continue
            mid, want = line.split()[:2]
            m = by_id[mid]
            got = m['status'] + ('-' + m['level'] if m['level'] else '')
            if got != want:
                print('FAIL: %s: %s, expected %s' % (mid, got, want), file=sys.stderr)
                ok = False
    return ok


def counts(ms):
    c = collections.Counter(m['status'] for m in ms)
    c['killed1'] = sum(1 for m in ms if m['status'] == 'killed' and m['level'] == '1')
    c['killed2'] = sum(1 for m in ms if m['status'] == 'killed' and m['level'] == '2')
    c['killed2m'] = sum(1 for m in ms if m['status'] == 'killed' and m['level'] == '2m')
    c['killed3'] = sum(1 for m in ms if m['status'] == 'killed' and m['level'].startswith('3'))
    c['digest'] = sum(1 for m in ms if m['status'] == 'killed' and 'digest differs' in m['detail'])
    decided = c['killed'] + c['survived']
    c['score'] = '%.1f%%' % (100.0 * c['killed'] / decided) if decided else '-'
    return c


def table(rows, key_name):
    out = ['| %s | mutants | not reached | equivalent | killed L1 | killed L2 (digest only) | '
           'killed L2 MSan | killed L3 | survived | pending | score |' % key_name,
           '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|']
    for key, ms in rows:
        c = counts(ms)
        out.append('| %s | %d | %d | %d | %d | %d (%d) | %d | %d | %d | %d | %s |' % (
            key, len(ms), c['not-reached'], c['equivalent'], c['killed1'], c['killed2'],
            c['digest'], c['killed2m'], c['killed3'], c['survived'], c['pending'], c['score']))
    return '\n'.join(out) + '\n'


def grouped(mutants, key):
    g = collections.OrderedDict()
    for m in sorted(mutants, key=lambda m: m[key]):
        g.setdefault(m[key], []).append(m)
    return list(g.items())


def wilson(k, n, z=1.96):
    """The 95% Wilson score interval of k successes in n trials."""
    if not n:
        return 0.0, 0.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / (1 + z * z / n)
    return centre - half, centre + half


def fuzz_class(result):
    """': <class>' of a fuzz level's survivor (infection.py), or ''."""
    verdict, _, detail = result
    cls = infection.class_of(detail) if verdict == 'survived' else None
    return ': ' + cls if cls else ''


# A fuzz level's engine, from its name's suffix (3-afl, empty-naive): its
# short name for the tables, and how the from-empty paragraphs say it.
# Earlier runs of the from-empty sample are joined under a level of their
# own (report.py --results FILE:empty=empty-before), named here too.
FUZZ_ENGINES = {
    '': ('libFuzzer', 'libFuzzer with the structure-aware mutator'),
    'afl': ('AFL++', 'AFL++ with CMPLOG and the structure-aware mutator'),
    'naive': ('the naive raw-wire baseline', 'the naive raw-wire baseline'),
    'before': ('libFuzzer, the mutator before comparison operands',
               'libFuzzer with the structure-aware mutator before comparison operands reached '
               'its fields (and before the harness oracles)'),
    'no-oracles': ('libFuzzer, before the harness oracles',
                   'libFuzzer with the structure-aware mutator, before the harness oracles of '
                   'the from-empty gaps'),
    'afl-no-oracles': ('AFL++, before the harness oracles',
                       'AFL++ with CMPLOG and the structure-aware mutator, before the harness '
                       'oracles of the from-empty gaps')}


def engine_of(level, long=False):
    """The engine's name for a fuzz level: 'AFL++' for 3-afl or empty-afl."""
    engine = level.partition('-')[2]
    return FUZZ_ENGINES.get(engine, (engine, engine))[1 if long else 0]


def fuzz_level_name(level):
    """'level 3, AFL++' for 3-afl, 'from empty, libFuzzer' for empty."""
    return '%s, %s' % ('level 3' if level.partition('-')[0] == '3' else 'from empty',
                       engine_of(level))


def by_class(mutants, results, reasons):
    """The survivors of each fuzz level by how far the fuzzer got with them:
    not reached, reached but not triggered, triggered but not detected
    (run.py writes the class in the detail, from the mutant's counters); the
    from-empty survivors listed with theirs and with their reasons."""
    levels = sorted({level for r in results.values() for level in r
                     if level.startswith(('3', 'empty'))})
    if not levels:
        return []
    out = ['', '## The fuzzers\' survivors by class', '',
           'How far each fuzz run got with a mutant it did not kill, from the mutant\'s '
           'counters (its switch reached; its mutation changing a value or the state: '
           'triggered): **not reached** by the fuzzer, **reached, not triggered** (no '
           'input made the mutated code compute anything else), **triggered, not '
           'detected** (the change happened, no oracle saw it). Runs from before the '
           'counter have no class.', '',
           '| fuzz level | survived | %s | no class |' % ' | '.join(infection.CLASSES),
           '|---|---:|---:|---:|---:|---:|']
    scored = {m['id'] for m in mutants if m['status'] != 'equivalent'}
    for level in levels:
        rows = [r[level] for mid, r in results.items() if level in r and mid in scored]
        survived = [infection.class_of(detail) for verdict, _, detail in rows
                    if verdict == 'survived']
        c = collections.Counter(survived)
        out.append('| %s | %d | %s | %d |' % (fuzz_level_name(level), len(survived), ' | '.join(
            str(c[cls]) for cls in infection.CLASSES), c[None]))
    for level in (level for level in levels if level.startswith('empty')):
        out += ['', '### Survivors %s' % fuzz_level_name(level), '',
                '| where | operator | original | mutation | class | reason | id |',
                '|---|---|---|---|---|---|---|']
        survivors = [m for m in mutants if m['id'] in scored and
                     results.get(m['id'], {}).get(level, ('',))[0] == 'survived']
        order = {cls: i for i, cls in enumerate(infection.CLASSES)}
        for m in sorted(survivors, key=lambda m: (
                order.get(infection.class_of(results[m['id']][level][2]), len(order)),
                m['file'], m['line'])):
            out.append('| %s:%d | %s | `%s` | %s | %s | %s | `%s` |' % (
                m['file'], m['line'], m['op'], m['orig'].replace('|', '\\|'), m['repl'],
                results[m['id']][level][2] or 'no class',
                reasons.get(m['id'], 'no reason yet').replace('|', '\\|'), m['id']))
    return out


def render(title, note, mutants, stale, cpu, runs, samples, plot, results, reasons):
    c = counts(mutants)
    done = c['killed'] + c['survived']
    survivors_l12 = c['survived']
    per_mutant = (cpu['1'] + cpu['2'] + cpu['2m']) / done if done else 0.0
    reached = len(mutants) - c['not-reached'] - c['equivalent']
    proj_12 = per_mutant * reached
    proj_3 = survivors_l12 * FUZZ_SECONDS * ENGINES if done else 0
    if done and c['pending']:  # survivors of the part not yet run, at the same rate
        proj_3 = proj_3 * reached / done
    proj_empty = FROM_EMPTY_SAMPLE * FROM_EMPTY_SECONDS * ENGINES
    lines = ['# %s' % title, '',
             note or 'Written by `scripts/mutation.sh --report` from the results of its runs; '
             'how the mutants are made and run: [mutation.md](mutation.md).', '',
             '**%d mutants** of `src/`; %d not reached by the committed corpora (not scored), '
             '%d marked equivalent, %d killed (%d by the unit tests, %d more by the corpus '
             'replay, %d of them by a run digest alone, %d more by the replay under '
             'MemorySanitizer, %d more by a fuzzer from the corpora), **%d survived**, %d not '
             'run yet. Score of the reached, non-equivalent mutants decided so far: **%s**.' % (
                 len(mutants), c['not-reached'], c['equivalent'], c['killed'], c['killed1'],
                 c['killed2'], c['digest'], c['killed2m'], c['killed3'], c['survived'],
                 c['pending'], c['score']), '']
    if stale:
        lines += ['**Stale equivalence marks** (no such mutant in this build): ' +
                  ', '.join('`%s`' % s for s in stale), '']
    if plot:
        lines += ['![killed per file and level](%s)' % plot, '']
    for level, sample in sorted(samples.items()):
        k = sum(1 for v in sample if v == 'killed')
        lo, hi = wilson(k, len(sample))
        lines += ['**From empty**, %s (the fuzzer alone, 60 s from an empty input, no unit test '
                  'or corpus counted): %d of %d sampled mutants killed, %.1f%% (95%% interval '
                  '%.1f%%-%.1f%%).' % (
                      engine_of(level, long=True), k, len(sample),
                      100.0 * k / len(sample), 100 * lo, 100 * hi), '']
    naive3 = [r['3-naive'][0] for r in results.values() if '3-naive' in r]
    if naive3:
        lines += ['Level 3 with the naive raw-wire baseline instead: %d of %d survivors of levels '
                  '1-2 killed.' % (naive3.count('killed'), len(naive3)), '']
    lines += ['## Cost', '',
              'CPU time (user + system of the runs, from `wait4`): level 1 %.0f s over %d '
              'mutants, level 2 %.0f s over %d, under MemorySanitizer %.0f s over %d; **%.2f s '
              'per decided mutant** for levels 1 and 2; level 3 %.0f s over %d with libFuzzer, '
              '%.0f s over %d with AFL++.' % (
                  cpu['1'], runs['1'], cpu['2'], runs['2'], cpu['2m'], runs['2m'], per_mutant,
                  cpu['3'], runs['3'], cpu['3-afl'], runs['3-afl']), '',
              'Projected for a full run: levels 1-2 over the %d reached mutants %.1f CPU hours; '
              'level 3 (%d s per engine, %d engines, for the survivors of levels 1-2) %.1f CPU '
              'hours; "from empty" (%d mutants, %d s per engine, %d engines) %.1f CPU hours; '
              'in all **%.1f CPU hours** (the naive raw-wire baseline doubles the fuzzing '
              'part).' % (reached, proj_12 / 3600, FUZZ_SECONDS, ENGINES, proj_3 / 3600,
                          FROM_EMPTY_SAMPLE, FROM_EMPTY_SECONDS, ENGINES, proj_empty / 3600,
                          (proj_12 + proj_3 + proj_empty) / 3600), '',
              '## By file', '', table(grouped(mutants, 'file'), 'file'),
              '## By operator', '', table(grouped(mutants, 'op'), 'operator'),
              '## Survivors', '',
              'Reached by the committed corpora, not killed by the unit tests or the corpus '
              'replay, not marked equivalent: each is a test, an oracle or a corpus input '
              'missing, or an equivalent mutant to mark (`mutation/equivalent.txt`).', '',
              '| where | operator | original | mutation | fuzzed (level 3) | id |',
              '|---|---|---|---|---|---|']
    for m in sorted((m for m in mutants if m['status'] == 'survived'),
                    key=lambda m: (m['file'], m['line'])):
        fuzzed = '; '.join(engine + fuzz_class(results[m['id']][level])
                           for level, engine in (('3', 'libFuzzer'), ('3-afl', 'AFL++'))
                           if level in results.get(m['id'], {})) or 'not yet'
        lines.append('| %s:%d | %s | `%s` | %s | %s | `%s` |' % (
            m['file'], m['line'], m['op'], m['orig'].replace('|', '\\|'), m['repl'], fuzzed,
            m['id']))
    lines += by_class(mutants, results, reasons)
    lines += ['', '## Equivalent', '', '| where | original | mutation | reason |',
              '|---|---|---|---|']
    for m in (m for m in mutants if m['status'] == 'equivalent'):
        lines.append('| %s:%d | `%s` | %s | %s |' % (m['file'], m['line'],
                                                     m['orig'].replace('|', '\\|'), m['repl'],
                                                     m['detail']))
    lines += ['', '## Not reached by the committed corpora', '',
              ', '.join('%s:%d' % (f, line) for f, line in sorted(
                  {(m['file'], m['line']) for m in mutants if m['status'] == 'not-reached'})), '']
    return '\n'.join(lines)


if __name__ == '__main__':
    main()
