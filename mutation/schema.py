#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The mutant schema of src/ (docs/mutation.md).

Reads clang's JSON syntax tree of each source file and writes a copy of it
into the build tree in which every mutation point is a run-time switch:
generated mutants (operators below, switched by VSF_MUTANT=<id>) and the bug
zoo's hand-written ones (corpus/canaries/<harness>/<name>.mutant, switched by
VSF_CANARY=<name>). The copy is rewritten by the tree's source ranges (byte
offsets), never by patterns over the text.

  schema.py --out DIR [--mutants] [--canaries DIR...] [-I DIR...] FILE.c...

writes DIR/<file>.c for every FILE, DIR/mutants_table.c (the ids) and
DIR/mutants.tsv (one line per mutant: index, id, file, line, column,
operator, original, replacement).
"""
import argparse
import hashlib
import json
import os
import re
import subprocess
import sys

# Relational replacement: each operator to two neighbours (the reduced set of
# Kaminski et al.); forcing the whole condition is the "cond" operator's job.
ROR = {'<': ['<=', '!='], '<=': ['<', '=='], '>': ['>=', '!='], '>=': ['>', '=='],
       '==': ['<=', '>='], '!=': ['<', '>']}
AOR = {'+': ['-'], '-': ['+'], '*': ['/'], '/': ['*'], '%': ['/'], '<<': ['>>'], '>>': ['<<'],
       '&': ['|'], '|': ['&'], '^': ['|'], '+=': ['-='], '-=': ['+='], '|=': ['&='], '&=': ['|=']}
LOR = {'&&': ['||'], '||': ['&&']}
OP_NAMES = {'<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge', '==': 'eq', '!=': 'ne', '+': 'add',
            '-': 'sub', '*': 'mul', '/': 'div', '%': 'mod', '<<': 'shl', '>>': 'shr', '&': 'and',
            '|': 'or', '^': 'xor', '+=': 'addeq', '-=': 'subeq', '|=': 'oreq', '&=': 'andeq',
            '&&': 'land', '||': 'lor'}
# Calls whose deletion is a lost cleanup rather than a lost effect.
CLEANUP = re.compile(r'(^|_)(close|free|munmap|release|reset|unmap|drop|clear)')
# Expressions under these need a constant: no run-time switch there.
CONSTANT_CONTEXT = {'ConstantExpr', 'UnaryExprOrTypeTraitExpr', 'StaticAssertDecl', 'EnumDecl',
                    'FieldDecl', 'InitListExpr'}
CONDITION_OWNERS = {'IfStmt', 'WhileStmt', 'DoStmt', 'ForStmt', 'ConditionalOperator'}


def fill_locations(node, state):
    """clang writes a location's file and line only when they change: put them
    back, walking the tree in the order it was printed."""
    if isinstance(node, dict):
        if 'offset' in node:
            if 'file' in node:
                state['file'] = node['file']
            else:
                node['file'] = state['file']
            if 'line' in node:
                state['line'] = node['line']
            else:
                node['line'] = state['line']
        for v in node.values():
            fill_locations(v, state)
    elif isinstance(node, list):
        for v in node:
            fill_locations(v, state)


class Source:
    """One file: its text, its tree, and the rewrites of its nodes."""

    def __init__(self, path, includes):
        self.path = path
        self.name = os.path.basename(path)
        with open(path, 'rb') as f:
            self.text = f.read().decode()
        cmd = ['clang', '-fsyntax-only', '-Xclang', '-ast-dump=json']
        cmd += ['-I' + d for d in includes] + [path]
        out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE).stdout
        self.tree = json.loads(out)
        fill_locations(self.tree, {'file': None, 'line': None})
        # Per node id: a function of the rewritten children's texts.
        self.wraps = {}

    def add_wrap(self, node, f):
        """Wrap node's text in f, around what earlier wraps made of it: one
        mutant is on at a time, so each wrap's original is all the others."""
        prev = self.wraps.get(node['id'])
        self.wraps[node['id']] = (lambda text, n: f(prev(text, n), n)) if prev else f

    def plain(self, loc):
        """A location written in this file itself, outside any macro."""
        return loc is not None and 'offset' in loc and loc['file'] == self.path

    def span(self, node):
        """The node's byte range [b, e) in this file, or None. A macro's
        expansion stands for the node where it begins (a statement such as
        VSF_SYS(close)(fd), a return type bool) and where an object-like
        macro ends it (size != VSF_MMAP_PAYLOAD_SIZE); a node inside a
        function-like macro's expansion has no range of its own."""
        r = node.get('range')
        if not r:
            return None
        b, e = self.resolve(r['begin']), self.resolve(r['end'])
        if not b or not e:
            return None
        end = e[0]['offset'] + e[0]['tokLen']
        if e[1] and self.text[end:end + 64].lstrip().startswith('('):
            return None
        if b[0]['offset'] >= end:
            return None
        return b[0]['offset'], end

    def resolve(self, loc):
        """(location in this file, whether it is a macro's expansion)"""
        if self.plain(loc):
            return loc, False
        if self.plain(loc.get('expansionLoc')):
            return loc['expansionLoc'], True
        return None

    def line_col(self, offset):
        line = self.text.count('\n', 0, offset) + 1
        return line, offset - (self.text.rfind('\n', 0, offset) + 1) + 1

    def functions(self):
        for n in self.tree.get('inner', []):
            if n.get('kind') == 'FunctionDecl' and self.plain(n.get('loc')) and any(
                    c.get('kind') == 'CompoundStmt' for c in n.get('inner', [])):
                yield n

    def first_decl_offset(self):
        for n in self.tree.get('inner', []):
            s = self.span(n)
            if s:
                return s[0]
        return len(self.text)

    def rewrite(self, node, spans):
        """The text of node's range with its descendants' rewrites applied,
        then its own (wraps[id]); None for a node outside this file's text."""
        s = spans.get(node['id'])
        if s is None:
            return None
        b, e = s
        parts, pos = [], b
        for child in self.textual_children(node, spans):
            cb, ce = spans[child['id']]
            if cb < pos or ce > e:
                continue
            parts.append(self.text[pos:cb])
            parts.append(self.rewrite(child, spans))
            pos = ce
        parts.append(self.text[pos:e])
        text = ''.join(parts)
        wrap = self.wraps.get(node['id'])
        return wrap(text, node) if wrap else text

    def textual_children(self, node, spans):
        """The nearest descendants with a range of their own in this file."""
        out = []
        for c in node.get('inner', []):
            if not isinstance(c, dict):
                continue
            if c.get('id') in spans:
                out.append(c)
            else:
                out.extend(self.textual_children(c, spans))
        out.sort(key=lambda c: spans[c['id']][0])
        return out


def normalize(text):
    return ' '.join(text.split())


class Schema:
    def __init__(self):
        self.mutants = []  # dicts: index, id, file, line, col, op, orig, repl
        self.canaries = []  # (name, file) applied

    def add(self, src, func, offset, op, orig, repl, seen):
        """A mutant at offset; its id is stable across edits elsewhere: the
        file, function, operator and a hash of the original text and its
        occurrence among equal ones in the function."""
        key = (op, normalize(orig), repl)
        seen[key] = seen.get(key, 0) + 1
        h = hashlib.sha1(repr((key, seen[key])).encode()).hexdigest()[:6]
        line, col = src.line_col(offset)
        m = {'index': len(self.mutants), 'id': '%s:%s:%s-%s:%s' % (src.name, func, op, repl, h),
             'file': src.name, 'line': line, 'col': col, 'op': op, 'orig': normalize(orig),
             'repl': repl}
        self.mutants.append(m)
        return m['index']


def chain(indexes_and_texts, orig):
    """(on(a) ? A : on(b) ? B : orig)"""
    out = '('
    for k, t in indexes_and_texts:
        out += 'vsf_mutant_on(%d) ? (%s) : ' % (k, t)
    return out + '(%s))' % orig


def changes(k, text):
    """text, the value of mutant k, which differs from the original's at
    every visit (a constant changed): each counts as a trigger."""
    return 'vsf_mutant_trigger(%d, 1), %s' % (k, text)


def one_line(out, text):
    """out on one line, then as many line breaks as text had: a rewrite that
    repeats an operand keeps the lines after it where they were."""
    return ' '.join(out.split('\n')) + '\n' * text.count('\n')


# Evaluating these changes state: an operand that holds one is evaluated once.
ASSIGNMENTS = {'=', '+=', '-=', '*=', '/=', '%=', '<<=', '>>=', '&=', '|=', '^='}


def callee_name(call):
    """The name of the function a call calls directly, or None."""
    node = [c for c in call.get('inner', []) if isinstance(c, dict)][:1]
    while node:
        n = node[0]
        if n.get('kind') == 'DeclRefExpr':
            return n.get('referencedDecl', {}).get('name')
        node = [c for c in n.get('inner', []) if isinstance(c, dict)][:1]
    return None


def is_pure(node, pure_calls):
    """No assignment, ++, --, statement expression or call (but of the
    functions in pure_calls) anywhere in node: evaluating it again changes
    nothing."""
    kind = node.get('kind')
    if kind in ('CompoundAssignOperator', 'StmtExpr') or \
            (kind == 'BinaryOperator' and node.get('opcode') in ASSIGNMENTS) or \
            (kind == 'UnaryOperator' and node.get('opcode') in ('++', '--')):
        return False
    if kind == 'CallExpr' and callee_name(node) not in pure_calls:
        return False
    return all(is_pure(c, pure_calls) for c in node.get('inner', []) if isinstance(c, dict))


def pure_functions(src):
    """The functions of the file whose calls change nothing (no assignment,
    not even to a local, and no call but of each other)."""
    bodies = {fn['name']: fn for fn in src.functions()}
    pure = set(bodies)
    while True:
        still = {name for name in pure if is_pure(bodies[name], pure)}
        if still == pure:
            return pure
        pure = still


def is_pointerish(node):
    t = node.get('type', {})
    q = t.get('desugaredQualType', t.get('qualType', ''))
    return '*' in q or '[' in q


def operand(node, text, name, pure_calls):
    """(declaration, expression): an operand evaluated once by the mutated
    code. A pure one is written as it is (evaluated again for the original's
    value, which changes nothing, and typed as in the original expression),
    any other goes into a temporary."""
    if is_pure(node, pure_calls):
        return '', '(%s)' % text
    return '__auto_type %s = (%s); ' % (name, text), name


OVERFLOW_BUILTINS = {'+': 'add', '-': 'sub', '*': 'mul'}


def arithmetic(k, op, alt, l, r):
    """The statements of an arithmetic mutant k (op to alt) whose operands
    are l and r: the mutated value, and a trigger when the original's
    differs. The original's value is computed without its undefined
    behaviour: wrapped (the overflow builtins), and a division by zero or a
    shift by the width or more counts as a change (the original would have
    trapped there, the mutant did not)."""
    m, o = 'vsf_m%d' % k, 'vsf_o%d' % k
    out = '__auto_type %s = %s %s %s; ' % (m, l, alt, r)
    if op in OVERFLOW_BUILTINS:
        out += '__typeof__(%s) %s; __builtin_%s_overflow(%s, %s, &%s); ' % (
            m, o, OVERFLOW_BUILTINS[op], l, r, o)
        compare = 'vsf_mutant_compare(%d, %s, %s)' % (k, m, o)
    else:
        compare = 'vsf_mutant_compare(%d, %s, %s %s %s)' % (k, m, l, op, r)
        if op in ('/', '%'):
            compare = '%s == 0 ? vsf_mutant_trigger(%d, 1) : %s' % (r, k, compare)
        elif op in ('<<', '>>'):
            compare = '(unsigned long long)%s >= 8 * sizeof(%s) ? vsf_mutant_trigger(%d, 1) : %s' \
                % (r, m, k, compare)
    return out + '%s; %s; ' % (compare, m)


def compound(k, op, alt, p, r):
    """The statements of a compound assignment's mutant k (op to alt) to *p:
    assigned as the mutant does, a trigger when the original's value differs."""
    o = 'vsf_o%d' % k
    out = '__typeof__(*%s) %s; ' % (p, o)
    if op[:-1] in OVERFLOW_BUILTINS:
        out += '__builtin_%s_overflow(*%s, %s, &%s); ' % (OVERFLOW_BUILTINS[op[:-1]], p, r, o)
    else:
        out += '%s = *%s %s %s; ' % (o, p, op[:-1], r)
    return out + '*%s %s %s; vsf_mutant_compare(%d, *%s, %s); *%s; ' % (p, alt, r, k, p, o, p)


def logical(k, op, a, b, b_pure):
    """&& and || swapped (mutant k), a evaluated once. Where the mutant does
    not evaluate b but the original would, a pure b is evaluated for the
    original's value; an impure one counts as a change (its effects are
    lost)."""
    if op == '&&':  # to ||: where a holds, the original's value is b
        return '(%s) ? vsf_mutant_pick(%d, 1, %s) : vsf_mutant_pick(%d, (%s), 0)' % (
            a, k, '(%s)' % b if b_pure else '0', k, b)
    return '(%s) ? vsf_mutant_pick(%d, (%s), 1) : vsf_mutant_pick(%d, 0, %s)' % (
        a, k, b, k, '(%s)' % b if b_pure else '1')


def generate_mutants(src, schema, spans):
    """Walk every function body and register the operators' mutants as
    wraps of the nodes they change."""
    pure_calls = pure_functions(src)
    for fn in src.functions():
        fname = fn['name']
        ret_type = fn['type']['qualType'].split('(')[0].strip()
        seen = {}

        def visit(node, parents):
            kind = node.get('kind')
            s = spans.get(node['id'])
            in_const = any(p.get('kind') in CONSTANT_CONTEXT or
                           (p.get('kind') == 'VarDecl' and p.get('storageClass') == 'static')
                           for p in parents)
            parent = parents[-1] if parents else {}
            if s and not in_const:
                orig = src.text[s[0]:s[1]]
                if kind in ('BinaryOperator', 'CompoundAssignOperator'):
                    binop(node, orig, s)
                elif kind == 'IntegerLiteral':
                    literal(node, orig, s)
                elif kind == 'ReturnStmt':
                    ret(node, orig, s)
                if (parent.get('kind') in CONDITION_OWNERS and node.get('kind') != 'CompoundStmt'
                        and condition_of(parent) is node):
                    cond(node, orig, s)
            if not in_const and is_statement_of(node, parent):
                delete(node)
            for c in node.get('inner', []):
                if isinstance(c, dict) and 'id' in c:
                    visit(c, parents + [node])

        def condition_of(owner):
            inner = [c for c in owner.get('inner', []) if isinstance(c, dict)]
            k = owner['kind']
            if k in ('IfStmt', 'WhileStmt', 'ConditionalOperator'):
                return inner[0] if inner else None
            if k == 'DoStmt':
                return inner[1] if len(inner) > 1 else None
            if k == 'ForStmt':  # init, condition variable, cond, inc, body (null ones as {})
                raw = owner.get('inner', [])
                return raw[2] if len(raw) > 2 and raw[2] else None
            return None

        def binop(node, orig, s):
            op = node['opcode']
            alts = ROR.get(op) and [('ror', a) for a in ROR[op]] or \
                LOR.get(op) and [('lor', a) for a in LOR[op]] or \
                AOR.get(op) and [('aor', a) for a in AOR[op]] or []
            lhs, rhs = [c for c in node['inner'] if isinstance(c, dict)][:2]
            if not alts or lhs['id'] not in spans or rhs['id'] not in spans:
                return
            if alts[0][0] == 'aor' and op not in ('&', '|', '^', '|=', '&=') and (
                    is_pointerish(node) or is_pointerish(lhs) or is_pointerish(rhs)):
                return
            if src.text[spans[lhs['id']][1]:spans[rhs['id']][0]].strip() != op:
                return
            ks = [(schema.add(src, fname, s[0], o, orig, OP_NAMES[a], seen), a) for o, a in alts]
            family = alts[0][0]

            def mutated(k, a, lt, rt):
                """The mutant's expression, counting its triggers."""
                if family == 'lor':
                    return logical(k, op, lt, rt, is_pure(rhs, pure_calls))
                dr, r = operand(rhs, rt, 'vsf_r%d' % k, pure_calls)
                if node['kind'] == 'CompoundAssignOperator':
                    p = 'vsf_p%d' % k
                    return '({ __auto_type %s = &(%s); %s%s})' % (
                        p, lt, dr, compound(k, op, a, p, r))
                dl, l = operand(lhs, lt, 'vsf_l%d' % k, pure_calls)
                if family == 'ror':
                    body = 'vsf_mutant_pick(%d, %s %s %s, %s %s %s)' % (k, l, a, r, l, op, r)
                    return '({ %s%s%s; })' % (dl, dr, body) if dl or dr else body
                return '({ %s%s%s})' % (dl, dr, arithmetic(k, op, a, l, r))

            def wrap(text, n, ks=ks):
                lt = src.rewrite(lhs, spans)
                rt = src.rewrite(rhs, spans)
                return one_line(chain([(k, mutated(k, a, lt, rt)) for k, a in ks], text), text)
            src.add_wrap(node, wrap)

        def literal(node, orig, s):
            if not re.fullmatch(r'[0-9]+[uUlL]*|0x[0-9a-fA-F]+[uUlL]*', orig):
                return
            value = int(re.sub(r'[uUlL]+$', '', orig), 0)
            alts = [('plus1', '%s + 1')] + ([('minus1', '%s - 1')] if value != 1 else []) + \
                ([('zero', '%s * 0')] if value else [])
            ks = [(schema.add(src, fname, s[0], 'const', orig, name, seen), t) for name, t in alts]
            src.add_wrap(node, lambda text, n, ks=ks: chain(
                [(k, changes(k, t % text)) for k, t in ks], text))

        def ret(node, orig, s):
            inner = [c for c in node.get('inner', []) if isinstance(c, dict)]
            if not inner or ret_type in ('void',) or '*' in ret_type or 'struct' in ret_type:
                return
            value = inner[0]
            if value['id'] not in spans:
                return
            vt = src.text[slice(*spans[value['id']])]
            # a value other than the original's at every visit, but where a
            # zero replaces a value that can be zero: pure, it is compared;
            # impure, its effects are lost (a change)
            if ret_type in ('bool', '_Bool'):
                alt, t = 'negate', lambda k, text: changes(k, '!(%s)' % text)
            elif normalize(vt) == '0':
                alt, t = 'minus1', lambda k, text: changes(k, '-1')
            elif is_pure(value, pure_calls):
                alt, t = 'zero', lambda k, text: 'vsf_mutant_compare(%d, 0, (%s)), 0' % (k, text)
            else:
                alt, t = 'zero', lambda k, text: changes(k, '0')
            k = schema.add(src, fname, s[0], 'return', orig, alt, seen)

            def wrap(text, n, k=k, t=t):
                out = chain([(k, t(k, text))], text)
                return one_line(out, text) if text in t(k, text) else out
            src.add_wrap(value, wrap)

        def cond(node, orig, s):
            k = schema.add(src, fname, s[0], 'cond', orig, 'negate', seen)
            schema.add(src, fname, s[0], 'cond', orig, 'true', seen)
            schema.add(src, fname, s[0], 'cond', orig, 'false', seen)
            src.add_wrap(node, lambda text, n, k=k: 'vsf_mutant_cond(%d, (%s))' % (k, text))

        def delete(node):
            kind = node.get('kind')
            ds = src.span(node)
            if not ds or kind not in ('CallExpr', 'BinaryOperator', 'CompoundAssignOperator',
                                      'UnaryOperator'):
                return
            if kind == 'BinaryOperator' and node['opcode'] != '=':
                return
            if kind == 'UnaryOperator' and node['opcode'] not in ('++', '--'):
                return
            # the statement's ';' must follow: a macro statement may bring its own
            end = ds[1]
            while end < len(src.text) and src.text[end] in ' \t':
                end += 1
            if end >= len(src.text) or src.text[end] != ';':
                return
            op = 'stmt'
            if kind == 'CallExpr':
                callee = src.text[ds[0]:ds[1]].split('(')[0]
                if CLEANUP.search(callee) or callee.startswith(('VSF_SYS(close', 'VSF_SYS(munmap')):
                    op = 'cleanup'
            k = schema.add(src, fname, ds[0], op, src.text[ds[0]:end + 1], 'delete', seen)
            # an expression still, whatever the statement around it
            spans[node['id']] = ds
            src.add_wrap(node, lambda text, n, k=k:
                         'vsf_mutant_on(%d) ? vsf_mutant_trigger(%d, 1) : (void)(%s)'
                         % (k, k, text))

        def is_statement_of(node, parent):
            """node is a statement of parent's (not its condition, nor a for
            loop's increment, whose deletion only makes a loop endless)"""
            kind = parent.get('kind')
            inner = [c for c in parent.get('inner', []) if isinstance(c, dict) and 'id' in c]
            if kind in ('CompoundStmt', 'CaseStmt', 'DefaultStmt', 'LabelStmt'):
                return kind == 'CompoundStmt' or node is inner[-1]
            if kind == 'IfStmt':
                return node is not inner[0]
            if kind in ('WhileStmt', 'ForStmt'):
                return node is inner[-1]
            return False

        body = [c for c in fn['inner'] if c.get('kind') == 'CompoundStmt'][0]
        visit(body, [fn])


def all_spans(src):
    spans = {}

    def walk(n):
        if isinstance(n, dict):
            if 'id' in n and n.get('kind') not in (None, 'TranslationUnitDecl'):
                s = src.span(n)
                if s:
                    spans[n['id']] = s
            for v in n.get('inner', []):
                walk(v)
    walk(src.tree)
    return spans


def read_description(path):
    """A canary's mutant: `key: value` lines (# comments); `replace:` may go
    on over the indented lines after it."""
    d, key = {}, None
    with open(path) as f:
        for line in f:
            if line.startswith('#') or not line.strip():
                continue
            if line[0] in ' \t' and key:
                d[key] += '\n' + line.rstrip('\n')
                continue
            key, _, value = line.partition(':')
            key = key.strip()
            d[key] = value.strip()
    for k in ('canary', 'file', 'function', 'anchor', 'replace'):
        if k not in d:
            sys.exit('%s: no %s: line' % (path, k))
    return d


def apply_canary(src, spans, d, path):
    """Find the anchor (a statement or expression of the function whose text,
    whitespace aside, is the anchor; the n-th with `occurrence: n`) and
    replace it: $ORIG is its text, $HIT(cond) counts the canary's visit
    (cond: its bad condition holds) and is true when it must take the bug."""
    fn = [f for f in src.functions() if f['name'] == d['function']]
    if not fn:
        sys.exit('%s: no function %s in %s' % (path, d['function'], src.name))
    want = normalize(d['anchor'])
    nth = int(d.get('occurrence', '1'))
    if_conditions = set()  # with `where: if`, only an if statement's condition
    found = []

    def walk(n):
        if not isinstance(n, dict) or 'id' not in n:
            return
        inner = [c for c in n.get('inner', []) if isinstance(c, dict) and 'id' in c]
        if n.get('kind') == 'IfStmt':
            c = inner[0]
            while True:
                if_conditions.add(c['id'])
                sub = [x for x in c.get('inner', []) if isinstance(x, dict) and 'id' in x]
                if not sub or c.get('kind') not in ('ImplicitCastExpr', 'ParenExpr',
                                                    'ExprWithCleanups'):
                    break
                c = sub[0]
        s = spans.get(n['id'])
        if s and normalize(src.text[s[0]:s[1]]) == want and \
                (d.get('where') != 'if' or n['id'] in if_conditions) and \
                not any(spans[f['id']] == s for f in found):
            found.append(n)
        for c in inner:
            walk(c)
    walk(fn[0])
    if len(found) > 1 and 'occurrence' not in d:
        sys.exit('%s: anchor %r matches %d places in %s: say which with occurrence: N'
                 % (path, d['anchor'], len(found), d['function']))
    if len(found) < nth:
        sys.exit('%s: anchor %r: %d in %s, occurrence %d wanted'
                 % (path, d['anchor'], len(found), d['function'], nth))
    node = found[nth - 1]
    ident = 'VSF_CANARY_' + d['canary'].upper().replace('-', '_')
    template = d['replace']

    def wrap(text, n):
        out = template.replace('$ORIG', text)
        out = re.sub(r'\$HIT\(', 'vsf_canary_hit(%s, ' % ident, out)
        # on as many lines as the original, so that the lines after it keep
        # their numbers (the copy's #line names src/)
        return ' '.join(out.split('\n')) + '\n' * text.count('\n')
    src.add_wrap(node, wrap)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    ap.add_argument('--mutants', action='store_true', help='the generated mutants')
    ap.add_argument('--canaries', nargs='*', default=[], help='*.mutant descriptions')
    ap.add_argument('-I', dest='includes', action='append', default=[])
    ap.add_argument('files', nargs='+')
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    descriptions = [(p, read_description(p)) for p in sorted(a.canaries)]
    schema = Schema()
    for path in a.files:
        src = Source(path, a.includes)
        spans = all_spans(src)
        if a.mutants:
            generate_mutants(src, schema, spans)
        for p, d in descriptions:
            if os.path.basename(d['file']) == src.name:
                apply_canary(src, spans, d, p)
                schema.canaries.append(d['canary'])
        head = src.first_decl_offset()
        body = []
        pos = head
        for fn in src.functions():
            b, e = spans[fn['id']]
            if b < pos:
                continue
            body.append(src.text[pos:b])
            body.append(src.rewrite(fn, spans))
            pos = e
        body.append(src.text[pos:])
        # Sanitizer reports, assertions and debuggers name src/'s file and lines.
        line = src.text.count('\n', 0, head) + 1
        out = (src.text[:head] + '#include "vsf_schema.h"\n#line %d "%s"\n' % (line, path) +
               ''.join(body))
        write_if_changed(os.path.join(a.out, src.name), out)
    missing = {d['canary'] for _, d in descriptions} - set(schema.canaries)
    if missing:
        sys.exit('canary descriptions for no file given: %s' % ', '.join(sorted(missing)))
    table = ['/* Generated by mutation/schema.py: the mutants of this schema build. */',
             '#include "mutant.h"', '',
             'const unsigned vsf_mutant_count = %d;' % len(schema.mutants),
             'const char *const vsf_mutant_ids[] = {']
    table += ['\t"%s",' % m['id'] for m in schema.mutants] + ['\t0,', '};', '']
    write_if_changed(os.path.join(a.out, 'mutants_table.c'), '\n'.join(table))
    fields = ('index', 'id', 'file', 'line', 'col', 'op', 'orig', 'repl')
    rows = ['\t'.join(str(m[k]) for k in fields) for m in schema.mutants]
    write_if_changed(os.path.join(a.out, 'mutants.tsv'), ''.join(r + '\n' for r in rows))


def write_if_changed(path, text):
    try:
        with open(path) as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    with open(path, 'w') as f:
        f.write(text)


if __name__ == '__main__':
    main()
