#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Kill levels for the mutants of a mutation build (docs/mutation.md).

  run.py --build DIR --source DIR --out DIR [--only FILE] [--levels 1,2[,2m][,3]] [--jobs N]
         [--msan-build DIR] [--fuzz-build DIR] [--fuzz-seconds S] [--from-empty N]

Level 1: the library's unit tests (CTest tests with no label but
`regression`), only those that reach the mutant. Level 2: the replay of the
committed corpora (every harness's corpus and regressions), only the harnesses
whose corpus reaches it; killed by a failing replay (an oracle violation, a
sanitizer report, a timeout) or by a run digest that differs from the
unmutated build's for some input. Level 2m: the same replay in the
--msan-build (preset mutation-msan, MemorySanitizer, as CTest replays the
corpora under it too), killed by a failing replay: a value left unset that
ASan cannot see. Level 3 (engine libfuzzer): a libFuzzer run
of S seconds (default 30, shared by the harnesses whose corpus reaches the
mutant) from the committed corpora, in the --fuzz-build (preset
mutation-libfuzzer); killed by a finding that the unmutated build replays
clean. --afl-build DIR: level 3 with AFL++ instead (DIR the
mutation-afl-cmplog build, fuzzed with -c 0; the structure-aware mutator
library of build/default; level "3-afl").
--naive: level 3 and from empty with the raw-wire baseline instead (levels
"3-naive", "empty-naive"). --from-empty N: instead, a sample of N
of the reached mutants (the same for every run: a fixed seed over the
sorted ids of the build) each
fuzzed by libFuzzer alone from an empty input, --fuzz-seconds shared by every
harness; level "empty" in the results (with --afl-build: AFL++ from a 1-byte
input, level "empty-afl").

A mutant killed at one level is not run at the next; a mutant the committed
corpora never reach is "not-reached" and run at no level.

Results go to OUT/results.tsv, one line per mutant and level, appended as each
is decided: a rerun skips what is there (resumable, as scripts/bench-bugs.sh).
"""
import argparse
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import infection

UNIT_LABELS = {'regression'}  # a unit test has no label, or only these


def read_mutants(build):
    out = []
    with open(os.path.join(build, 'schema', 'mutants.tsv')) as f:
        for line in f:
            index, mid, file, line_no, col, op, orig, repl = line.rstrip('\n').split('\t')
            out.append({'index': int(index), 'id': mid, 'file': file, 'line': int(line_no),
                        'col': int(col), 'op': op, 'orig': orig, 'repl': repl})
    return out


RUNNING = set()  # process groups of the runs under way


def stop(signum, frame):
    """A run stopped (to be resumed) ends what it started: each run leads a
    process group of its own, which a signal to ours does not reach."""
    for pgid in list(RUNNING):
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    os._exit(128 + signum)


def run(cmd, env, timeout, cwd=None):
    """(exit status, or 'timeout'; stdout; CPU seconds of the process tree)"""
    p = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    RUNNING.add(p.pid)
    timer = threading.Timer(timeout, lambda: os.killpg(p.pid, signal.SIGKILL))
    timer.start()
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    timed_out = not timer.is_alive()
    timer.cancel()
    p.returncode = 0  # reaped by wait4
    try:  # whatever it left running
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    RUNNING.discard(p.pid)
    cpu = usage.ru_utime + usage.ru_stime
    code = 'timeout' if timed_out else os.waitstatus_to_exitcode(status)
    return code, out.decode(errors='replace'), cpu


class Levels:
    def __init__(self, a):
        # absolute: a test runs in a directory of its own
        self.build, self.source, self.out = (os.path.abspath(p) for p in (a.build, a.source, a.out))
        self.clean_start = {}  # harness binary: whether it starts with no mutant on
        self.mutants = read_mutants(self.build)
        self.n = len(self.mutants)
        os.makedirs(os.path.join(self.out, 'reach'), exist_ok=True)
        self.env = dict(os.environ)
        for k in ('VSF_MUTANT', 'VSF_MUTANT_COUNTS', 'VSF_CANARY', 'VSF_CANARY_COUNTS'):
            self.env.pop(k, None)
        self.unit_tests = self.find_unit_tests()
        with open(os.path.join(self.source, 'fuzz', 'harnesses.txt')) as f:
            self.harnesses = [h.strip() for h in f if h.strip()]

    # ---- what each level runs ----

    def find_unit_tests(self):
        out = subprocess.run(['ctest', '--test-dir', self.build, '--show-only=json-v1'],
                             check=True, stdout=subprocess.PIPE).stdout
        tests = []
        for t in json.loads(out)['tests']:
            props = {p['name']: p['value'] for p in t.get('properties', [])}
            labels = set(props.get('LABELS', []))
            if labels - UNIT_LABELS or 'command' not in t:
                continue
            env = dict(e.split('=', 1) for e in props.get('ENVIRONMENT', []))
            tests.append({'name': t['name'], 'cmd': t['command'], 'env': env,
                          'cwd': props.get('WORKING_DIRECTORY'),
                          'timeout': float(props.get('TIMEOUT', 0) or 60)})
        return tests

    def replays(self, build=None):
        """(name, command) of every committed corpus directory's replay."""
        out = []
        for h in self.harnesses:
            exe = os.path.join(build or self.build, 'fuzz', h + '_replay')
            for d in ('corpus/' + h, 'corpus/regressions/' + h):
                path = os.path.join(self.source, d)
                if os.path.isdir(path):
                    out.append((d, [exe, '-t', '10', '-d', path]))
        return out

    # ---- reach: which test and which corpus visits each mutant ----

    def read_counts(self, path):
        """(reached, triggered) of a VSF_MUTANT_COUNTS file of this build."""
        try:
            return infection.read_counts(path, self.n)
        except infection.CountsError as e:
            sys.exit(str(e))

    def reach_names(self):
        """The names reach() records: a unit test or a committed corpus each."""
        return (['unit:' + t['name'] for t in self.unit_tests] +
                ['corpus:' + name for name, _ in self.replays()])

    def reach(self):
        """{test or corpus name: set of mutant indexes it reaches}, cached."""
        cache = os.path.join(self.out, 'reach', 'reach.json')
        if os.path.exists(cache):
            with open(cache) as f:
                data = json.load(f)
            # A test added or removed since makes the cache stale, as a new build does.
            if (data.get('mutants') == self.n and 'seconds' in data and
                    sorted(data['reach']) == sorted(self.reach_names())):
                self.seconds = data['seconds']
                return {k: set(v) for k, v in data['reach'].items()}, data['baseline']
        reach, baseline, self.seconds = {}, {}, {}

        def one(name, cmd, env, cwd, timeout):
            counts = os.path.join(self.out, 'reach', name.replace('/', '_') + '.counts')
            if os.path.exists(counts):
                os.unlink(counts)
            e = dict(self.env, VSF_MUTANT_COUNTS=counts, **env)
            start = time.monotonic()
            code, out, _ = run(cmd, e, timeout, cwd)
            self.seconds[name] = time.monotonic() - start
            if code != 0:
                sys.exit('%s fails with no mutant on (%s): fix the build first' % (name, code))
            hit = self.read_counts(counts)[0] if os.path.exists(counts) else [0] * self.n
            reach[name] = {i for i, c in enumerate(hit) if c}
            return out
        for t in self.unit_tests:
            one('unit:' + t['name'], t['cmd'], t['env'], t['cwd'], t['timeout'])
        for name, cmd in self.replays():
            baseline[name] = digests(one('corpus:' + name, cmd, {}, None, 600))
        with open(cache, 'w') as f:
            json.dump({'mutants': self.n, 'baseline': baseline, 'seconds': self.seconds,
                       'reach': {k: sorted(v) for k, v in reach.items()}}, f)
        return reach, baseline

    # ---- the levels ----

    def timeout(self, name):
        """A mutant that runs ten times as long as the original (and 5 s) is
        taken for one that hangs: killed."""
        return max(5.0, 10 * self.seconds[name])

    def level1(self, m, reach):
        cpu = 0.0
        for t in self.unit_tests:
            if m['index'] not in reach['unit:' + t['name']]:
                continue
            e = dict(self.env, VSF_MUTANT=m['id'], **t['env'])
            code, _, c = run(t['cmd'], e, self.timeout('unit:' + t['name']), t['cwd'])
            cpu += c
            if code != 0:
                return 'killed', cpu, '%s (%s)' % (t['name'], code)
        return 'survived', cpu, ''

    def confirm(self, h, finding):
        """A fuzzer's finding kills the mutant when the unmutated build
        replays it clean; one it does not is a bug of src/ itself."""
        replay = os.path.join(self.build, 'fuzz', h + '_replay')
        again, _, cpu = run([replay, '-t', '10', finding], self.env, 60)
        name = os.path.basename(finding)
        if again != 0:
            return 'survived', cpu, '%s: finding %s also without the mutant' % (h, name)
        return 'killed', cpu, '%s: %s' % (h, name)

    def fresh_counts(self, work, counts):
        """A VSF_MUTANT_COUNTS file for a fuzz run in work, none left from an
        earlier run; added to counts."""
        path = os.path.join(work, 'mutant.counts')
        if os.path.exists(path):
            os.unlink(path)
        counts.append(path)
        return path

    def fuzz_detail(self, m, verdict, counts, detail=''):
        """A fuzz level's detail: for a survivor, how far the fuzzer got with
        m first (not reached, reached but not triggered, triggered but not
        detected: infection.py), from the counts files of its runs."""
        if verdict != 'survived':
            return detail
        try:
            cls = infection.survivor_class(m['index'], counts, self.n)
        except infection.CountsError as e:
            sys.exit(str(e))
        return cls + ('; ' + detail if detail else '')

    def reaching(self, m, reach):
        """The harnesses whose committed corpus reaches mutant m."""
        return [h for h in self.harnesses
                if any(m['index'] in reach.get('corpus:' + d, ())
                       for d in ('corpus/' + h, 'corpus/regressions/' + h))]

    def level3(self, m, reach, fuzz_build, seconds, from_empty=False, naive=False):
        """libFuzzer from the committed corpora (or an empty input); a finding
        the unmutated build also makes is not a kill (it is reported: a bug
        of src/ itself). naive: the raw-wire baseline (bench_naive_wire: the
        backend channel's bytes, no program format, dictionary or mutator)."""
        harnesses = (['bench_naive_wire'] if naive else self.harnesses if from_empty else
                     self.reaching(m, reach))
        cpu, counts = 0.0, []
        each = max(10, seconds // max(1, len(harnesses)))
        for h in harnesses:
            kind = ('empty' if from_empty else 'fuzz') + ('-naive' if naive else '')
            work = os.path.join(self.out, kind, m['id'].replace(':', '_'), h)
            os.makedirs(os.path.join(work, 'corpus'), exist_ok=True)
            dirs = (['corpus/bench/naive_wire'] if naive else
                    ['corpus/' + h, 'corpus/regressions/' + h])
            seeds = [] if from_empty else [os.path.join(self.source, d) for d in dirs
                                           if os.path.isdir(os.path.join(self.source, d))]
            cmd = [os.path.join(fuzz_build, 'fuzz', h), '-max_total_time=%d' % each, '-timeout=10',
                   '-rss_limit_mb=4096', '-max_len=16384', '-print_final_stats=0',
                   '-artifact_prefix=' + work + '/', os.path.join(work, 'corpus')] + seeds
            if not naive:
                cmd.insert(1, '-dict=' + os.path.join(self.source, 'dict', h + '.dict'))
            code, _, c = run(cmd, dict(self.env, VSF_MUTANT=m['id'],
                                       VSF_MUTANT_COUNTS=self.fresh_counts(work, counts)),
                             each + 60, work)
            cpu += c
            subprocess.run(['rm', '-rf', os.path.join(work, 'corpus')], check=True)
            found = sorted(f for f in os.listdir(work) if f.split('-')[0] in
                           ('crash', 'leak', 'timeout', 'oom', 'slow'))
            if code != 0 and not found and self.starts_clean(cmd, work):
                # libFuzzer died where it writes no input (the harness's
                # start-up, a kept front-end made before the first input)
                return 'killed', cpu, self.fuzz_detail(
                    m, 'killed', counts, '%s: dies before any input (%s)' % (h, code))
            if code == 0 or not found:
                continue
            verdict, c, detail = self.confirm(h, os.path.join(work, found[0]))
            return verdict, cpu + c, self.fuzz_detail(m, verdict, counts, detail)
        return 'survived', cpu, self.fuzz_detail(m, 'survived', counts)

    def starts_clean(self, cmd, work):
        """Whether the harness of cmd, with no mutant on, runs one input
        from an empty corpus and exits 0 (cached per binary)."""
        binary = cmd[0]
        if binary not in self.clean_start:
            empty = os.path.join(work, 'start-check')
            os.makedirs(empty, exist_ok=True)
            env = {k: v for k, v in self.env.items() if k != 'VSF_MUTANT'}
            code, _, _ = run([binary, '-runs=1', empty], env, 120, work)
            subprocess.run(['rm', '-rf', empty], check=True)
            self.clean_start[binary] = code == 0
        return self.clean_start[binary]

    def level3_afl(self, m, reach, afl_build, seconds, from_empty=False):
        """AFL++ (CMPLOG and the structure-aware mutator library, as
        bench-bugs.sh runs it) from the committed corpora, until the first
        crash; a finding is confirmed as libFuzzer's is. from_empty: every
        harness from one 1-byte input (AFL++ wants a non-empty one), as
        bench-bugs.sh's empty corpus."""
        harnesses = self.harnesses if from_empty else self.reaching(m, reach)
        cpu, counts = 0.0, []
        each = max(10, seconds // max(1, len(harnesses)))
        for h in harnesses:
            kind = 'empty-afl' if from_empty else 'fuzz-afl'
            work = os.path.join(self.out, kind, m['id'].replace(':', '_'), h)
            subprocess.run(['rm', '-rf', work], check=True)
            os.makedirs(os.path.join(work, 'seeds'))
            if from_empty:
                with open(os.path.join(work, 'seeds', 'one-byte'), 'w') as f:
                    f.write('\n')
            for d in () if from_empty else ('corpus/' + h, 'corpus/regressions/' + h):
                path = os.path.join(self.source, d)
                for f in sorted(os.listdir(path)) if os.path.isdir(path) else ():
                    subprocess.run(['cp', os.path.join(path, f),
                                    os.path.join(work, 'seeds', d.replace('/', '_') + '-' + f)],
                                   check=True)
            # The CMPLOG build is the target, with -c 0 (scripts/afl-env.sh says why).
            cmplog = os.path.join(afl_build, 'fuzz', h)
            script = ('. scripts/afl-env.sh; afl-fuzz -i "$1/seeds" -o "$1/afl" -x "$2" -V "$3" '
                      '-m none -t 10000 -c 0 -- "$4" >"$1/log" 2>&1; afl_kill_orphans "$4"')
            env = dict(self.env, VSF_MUTANT=m['id'], AFL_BENCH_UNTIL_CRASH='1',
                       VSF_MUTANT_COUNTS=self.fresh_counts(work, counts),
                       AFL_CUSTOM_MUTATOR_LIBRARY=os.path.join(
                           self.source, 'build', 'default', 'fuzz', 'libvsf_afl_mutator.so'))
            start = time.monotonic()
            _, _, c = run(['bash', '-c', script, 'afl', work,
                           os.path.join(self.source, 'dict', h + '.dict'), str(each), cmplog],
                          env, each + 120, self.source)
            # the fork server's children are not waited for: afl-fuzz keeps one core busy
            cpu += max(c, time.monotonic() - start)
            # crashes first, then hangs (libFuzzer's level counts its timeouts
            # too); confirm() replays either without the mutant
            found = []
            for kind in ('crashes', 'hangs'):
                d = os.path.join(work, 'afl', 'default', kind)
                found += [os.path.join(d, f) for f in sorted(os.listdir(d))
                          if f.startswith('id:')] if os.path.isdir(d) else []
            with open(os.path.join(work, 'log'), errors='replace') as f:
                seed_crash = 'results in a crash' in f.read()
            subprocess.run(['rm', '-rf', os.path.join(work, 'seeds'),
                            os.path.join(work, 'afl', 'default', 'queue')], check=True)
            if seed_crash:
                return 'killed', cpu, '%s: %s crashes' % (
                    h, 'the 1-byte input' if from_empty else 'a committed input')
            if not found:
                continue
            verdict, c, detail = self.confirm(h, found[0])
            return verdict, cpu + c, self.fuzz_detail(m, verdict, counts, detail)
        return 'survived', cpu, self.fuzz_detail(m, 'survived', counts)

    def level2(self, m, reach, baseline, build=None):
        """The corpus replay; in another build (MemorySanitizer's) a failing
        replay alone kills: its digests are not compared."""
        cpu = 0.0
        for name, cmd in self.replays(build):
            if m['index'] not in reach['corpus:' + name]:
                continue
            e = dict(self.env, VSF_MUTANT=m['id'])
            code, out, c = run(cmd, e, self.timeout('corpus:' + name), None)
            cpu += c
            if code != 0:
                return 'killed', cpu, '%s: replay fails (%s)' % (name, code)
            if baseline is None:
                continue
            got = digests(out)
            diff = sorted(k for k in baseline[name] if got.get(k) != baseline[name][k])
            if diff:
                return 'killed', cpu, '%s: digest differs (%s)' % (
                    name, os.path.basename(diff[0]))
        return 'survived', cpu, ''


def digests(out):
    """{input: digest} from a replay's -d lines"""
    d = {}
    for line in out.splitlines():
        if line.startswith('digest '):
            _, value, path = line.split(' ', 2)
            d[path.split('/corpus/', 1)[-1]] = value
    return d


def read_results(path):
    done = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                parts = line.rstrip('\n').split('\t')
                if len(parts) >= 4:
                    done[(parts[0], parts[1])] = parts[2]
    return done


def from_empty_sample(mutants, corpus_reach, n, path):
    """The first n reached mutants of the committed sample (path), in its
    order (a run stopped early holds a random part of it); ids this build
    lacks are said and skipped, and a sample too short for n is topped up by a
    random draw from the rest of the reached mutants."""
    by_id = {m['id']: m for m in mutants if m['index'] in corpus_reach}
    with open(path) as f:
        listed = [line.split()[0] for line in f if line.strip() and not line.startswith('#')]
    gone = [i for i in listed if i not in by_id]
    if gone:
        print('from empty: %d sampled mutants are gone from this build or no longer reached '
              'by its corpora, skipped: %s' % (len(gone), ', '.join(gone)), file=sys.stderr)
    chosen = [i for i in listed if i in by_id][:n]
    if len(chosen) < n:
        rest = sorted(set(by_id) - set(chosen))
        chosen += random.Random(25).sample(rest, min(n - len(chosen), len(rest)))
    return [by_id[i] for i in chosen]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--build', required=True)
    ap.add_argument('--source', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--only', help='a file of mutant ids, one a line (first field)')
    ap.add_argument('--levels', default='1,2')
    ap.add_argument('--jobs', type=int, default=1)
    ap.add_argument('--fuzz-build', help='the mutation-libfuzzer build, for level 3')
    ap.add_argument('--msan-build', help='the mutation-msan build, for level 2m')
    ap.add_argument('--fuzz-seconds', type=int, default=30)
    ap.add_argument('--from-empty', type=int, metavar='N', help='the from-empty sample instead')
    ap.add_argument('--afl-build', help='the mutation-afl-cmplog build: level 3 and from empty '
                    'with AFL++ instead of libFuzzer')
    ap.add_argument('--naive', action='store_true',
                    help='level 3 and from empty with the naive raw-wire baseline')
    a = ap.parse_args()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, stop)
    lv = Levels(a)
    reach, baseline = lv.reach()
    corpus_reach = set().union(*(v for k, v in reach.items() if k.startswith('corpus:')))
    mutants = lv.mutants
    if a.only:
        with open(a.only) as f:
            wanted = {line.split()[0] for line in f if line.strip() and not line.startswith('#')}
        unknown = wanted - {m['id'] for m in mutants}
        if unknown:
            sys.exit('no such mutant in this build: %s' % ', '.join(sorted(unknown)))
        mutants = [m for m in mutants if m['id'] in wanted]
    levels = a.levels.split(',')
    if '2m' in levels and not a.msan_build:
        sys.exit('level 2m needs --msan-build (the mutation-msan build)')
    if a.from_empty:  # the sample's part that --only names, if given
        wanted = {m['id'] for m in mutants}
        mutants = [m for m in from_empty_sample(lv.mutants, corpus_reach, a.from_empty,
                                                os.path.join(a.source, 'mutation', 'sample.txt'))
                   if m['id'] in wanted]
        levels = ['empty']
    suffix = '-naive' if a.naive else '-afl' if a.afl_build else ''
    if ('3' in levels or a.from_empty) and not (a.fuzz_build or a.afl_build):
        sys.exit('level 3 needs --fuzz-build (the mutation-libfuzzer build)')
    results = os.path.join(a.out, 'results.tsv')
    done = read_results(results)
    # The fuzz levels skip mutants marked equivalent: the score leaves them
    # out, and 30-60 s each of fuzzing would buy nothing.
    with open(os.path.join(a.source, 'mutation', 'equivalent.txt')) as f:
        marked = {line.split()[0] for line in f if line.strip() and not line.startswith('#')}
    lock = threading.Lock()

    def record(m, level, verdict, cpu, detail):
        with lock:
            with open(results, 'a') as f:
                f.write('%s\t%s\t%s\t%.2f\t%s\n' % (m['id'], level, verdict, cpu, detail))
            done[(m['id'], str(level))] = verdict

    def one(m):
        if m['index'] not in corpus_reach:
            if (m['id'], 'reach') not in done:
                record(m, 'reach', 'not-reached', 0, '')
            return
        for level in levels:
            name = level + (suffix if level in ('3', 'empty') else '')
            key = (m['id'], name)
            if key in done:
                if done[key] == 'killed':
                    return
                continue
            if level in ('3', 'empty') and m['id'] in marked:
                return
            if level == '1':
                verdict, cpu, detail = lv.level1(m, reach)
            elif level == '2':
                verdict, cpu, detail = lv.level2(m, reach, baseline)
            elif level == '2m':
                verdict, cpu, detail = lv.level2(m, reach, None, os.path.abspath(a.msan_build))
            elif a.afl_build and level in ('3', 'empty'):
                verdict, cpu, detail = lv.level3_afl(m, reach, os.path.abspath(a.afl_build),
                                                     a.fuzz_seconds, from_empty=level == 'empty')
            else:
                verdict, cpu, detail = lv.level3(m, reach, os.path.abspath(a.fuzz_build),
                                                 a.fuzz_seconds, from_empty=level == 'empty',
                                                 naive=a.naive)
            record(m, name, verdict, cpu, detail)
            if verdict == 'killed':
                return
    start = time.time()
    with ThreadPoolExecutor(max_workers=a.jobs) as ex:
        for _ in ex.map(one, mutants):
            pass
    print('mutation: %d mutants in %.0f s; results in %s' % (len(mutants), time.time() - start,
                                                          results))


if __name__ == '__main__':
    main()
