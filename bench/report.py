#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turns a benchmark run (bench/results/CONFIG/cycles.csv, faults.csv,
machine.txt) into table.md and one SVG plot per region size and writer
count.

Cost is nanoseconds per dirtied page: a cycle's time (writes and collect)
divided by the pages written, and its two parts.  Beside it, what the
cycle did, counted the same on any machine: faults per dirtied page, and
per cycle the module's walks of all mappings of a range, TLB flushes and
kernel allocations (n/a where the kernel or the method cannot count
them).  Each row of the table compares the methods
at one region size, write ratio and writer count: the median over the
repetitions, the spread (lowest to highest), and the ratio to the row's
best tracking method.  Under TCG a ratio under 2 is called a tie: the
emulator distorts exception-heavy paths and varies between boots.  Each
row is read against the goals in docs/benchmarks.md, printed beside it.
A repetition runs the shares written rising, then falling: each row is
one direction ("up", "down"), and the adaptive method is plotted in each.

The fault paths (faults.csv) are nanoseconds per fault-taking access:
the median over the repetitions, the spread, and the ratio to the
cheapest path of its kind (writes, reads), with the goal that wpfault's
page_mkwrite path stays within 1.1x of ext4's.

    report.py RESULTS_DIR
    report.py --compare SERIAL_LOG     (bench/compare's table)
"""
import collections
import csv
import os
import statistics
import subprocess
import sys

FLOOR = 'untracked'
MKWRITE = ('wpfault-pagecache-mkwrite', 'wpfault-pfn-mkwrite')
FAMILIES = ('wpfault-pagecache', 'wpfault-pfn')
UFFD = ('uffd-wp-anon', 'uffd-wp-memfd')
TIE = 2.0


COUNTS = ('write_ns', 'collect_ns', 'faults', 'walks', 'flushes', 'allocs',
          'runs')


def cycle_counts(fields, dirtied):
    """A cycle's COUNTS: times and faults per dirtied page, the rest per
    cycle; None where it was not counted (-1, or an older run)."""
    out = []
    for name, v in zip(COUNTS, fields):
        v = int(v) if v not in (None, '') else -1
        per_page = name in ('write_ns', 'collect_ns', 'faults')
        out.append(None if v < 0 else v / dirtied if per_page else v)
    return tuple(out)


def load(res):
    rows = collections.defaultdict(list)
    counts = collections.defaultdict(list)
    with open(os.path.join(res, 'cycles.csv')) as f:
        for r in csv.DictReader(f):
            key = (int(r['pages']), int(r['per_mille']), int(r['threads']),
                   r.get('order') or 'up')
            dirtied = int(r['dirtied'])
            rows[key, r['method']].append(int(r['ns']) / dirtied)
            counts[key, r['method']].append(
                cycle_counts([r.get(c) for c in COUNTS], dirtied))
    machine = {}
    with open(os.path.join(res, 'machine.txt')) as f:
        for line in f:
            k, _, v = line.partition(': ')
            machine[k.strip()] = v.strip()
    return rows, counts, machine


def median_counts(samples):
    """Each count's median over the repetitions, or None."""
    out = []
    for i in range(len(COUNTS)):
        vals = [s[i] for s in samples if s[i] is not None]
        out.append(statistics.median(vals) if vals else None)
    return out


def fmt(v, digits=0):
    return 'n/a' if v is None else f'{v:,.{digits}f}'


def counts_cells(samples):
    """The table's count columns for one method of a row."""
    w, c, faults, walks, flushes, allocs, _ = median_counts(samples)
    return (f'{fmt(w)} / {fmt(c)} | {fmt(faults, 2)} | {fmt(walks)} | '
            f'{fmt(flushes)} | {fmt(allocs)}')


def load_faults(res):
    """ns per access for each fault path, over the repetitions."""
    per = collections.defaultdict(list)
    path = os.path.join(res, 'faults.csv')
    if not os.path.exists(path):
        return per
    with open(path) as f:
        for r in csv.DictReader(f):
            per[r['method']].append(int(r['ns']) / int(r['pages']))
    return per


def fault_table(per, tcg):
    """The fault-path table and its goal, as markdown lines."""
    if not per:
        return []
    med = {m: statistics.median(v) for m, v in per.items()}
    lines = [
        '',
        '### Fault paths',
        '',
        'ns per page accessed (each access faults, except that one '
        'fault-around fault maps a window): median [lowest-highest] over '
        'the repetitions, and the ratio to the cheapest path of its kind.',
        '',
        '| path | ns/access | ratio |',
        '|------|----------:|------:|',
    ]
    for kind in ('write', 'read'):
        ms = [m for m in med if m.startswith('read') == (kind == 'read')]
        best = min((med[m] for m in ms), default=None)
        for m in sorted(ms, key=med.get):
            v = per[m]
            r = med[m] / best
            lines.append(f'| {m} | {med[m]:,.0f} [{min(v):,.0f}-'
                         f'{max(v):,.0f}] | {r:.2f}x'
                         + (' tie' if tcg and 1 < r < TIE else '') + ' |')
    pc, ext4 = med.get('wpfault-pagecache-mkwrite'), med.get('ext4-mkwrite')
    pfn, hole = med.get('wpfault-pfn-mkwrite'), med.get('wpfault-pfn-hole')
    lines.append('')
    for name, a, b, bound in (
            ('the page_mkwrite path within 1.1x of ext4\'s', pc, ext4, 1.1),
            ('the pfn_mkwrite path within 1.1x of page_mkwrite', pfn, pc,
             1.1),
            ('a hole upgrade within 2x of a block\'s pfn_mkwrite', hole, pfn,
             2.0)):
        if a is None or b is None:
            lines.append(f'Goal: {name}: not measured.')
        else:
            lines.append(f'Goal: {name}: '
                         + verdict(a <= bound * b, a / (bound * b), tcg)
                         + '.')
    return lines


def verdict(ok, ratio, tcg):
    """A goal's outcome; under TCG a miss by less than 2x is a tie."""
    if ok:
        return f'met ({ratio:.2f}x)'
    if tcg and ratio < TIE:
        return f'tie ({ratio:.2f}x)'
    return f'missed ({ratio:.2f}x)'


def goals(med, cnt, key, rows_med, tcg):
    """The goals of a row that its methods allow checking, as text.
    med: the row's median ns/page per method; cnt: its median counts per
    method; rows_med(key, method): another row's median, or None."""
    pages, per_mille, threads, order = key
    out = []
    uffd = min((med[m] for m in UFFD if m in med), default=None)
    tracked = [v for m, v in med.items() if m.startswith('wpfault-')]
    if tracked and uffd is not None:
        out.append('best wpfault <= uffd-wp: '
                   + verdict(min(tracked) <= uffd, min(tracked) / uffd, tcg))
    for m in MKWRITE:
        if m not in med or uffd is None:
            continue
        limit = 1.0 if per_mille < 10 else 1.3
        out.append(f'{m} <= {limit:g}x uffd-wp: '
                   + verdict(med[m] <= limit * uffd,
                             med[m] / (limit * uffd), tcg))
        one = rows_med((pages, per_mille, 1, order), m)
        if threads > 1 and one:
            out.append(f'{m}, {threads} writers <= 1: '
                       + verdict(med[m] <= one, med[m] / one, tcg))
    for fam in FAMILIES:
        ad = med.get(f'{fam}-adaptive')
        two = [med[m] for m in (f'{fam}-mkwrite', f'{fam}-pagetable')
               if m in med]
        if ad is not None and two:
            out.append(f'{fam}-adaptive within 10 % of the better: '
                       + verdict(ad <= 1.1 * min(two),
                                 ad / (1.1 * min(two)), tcg))
    for m in sorted(cnt):
        flushes, runs = cnt[m][4], cnt[m][6]
        if m.startswith('wpfault-') and flushes is not None and runs:
            ok = flushes <= runs
            out.append(f'{m} flushes <= runs: '
                       + ('met' if ok else 'missed')
                       + f' ({flushes:,.0f} for {runs:,.0f})')
    return '; '.join(out)


def key_order(key):
    """Rows by size, writers, direction (up first), then share."""
    pages, per_mille, threads, order = key
    return pages, threads, order != 'up', per_mille


def table(rows, counts, faults, machine):
    tcg = machine.get('accelerator') == 'tcg'
    keys = sorted({k for k, _ in rows}, key=key_order)
    methods = sorted({m for _, m in rows})
    lines = [
        f"Machine: {machine.get('config')}, {machine.get('accelerator')}, "
        f"kernel {machine.get('kernel')}, CPU {machine.get('cpu', '?')}, "
        f"{machine.get('vcpus')} vCPUs, {machine.get('date')}.",
        '',
        'ns per dirtied page: median [lowest-highest] over the '
        'repetitions, and the ratio to the best tracking method of the '
        'row' + (' (under TCG, below 2x is a tie)' if tcg else '') + '.',
        'Then, as medians: the writes\' and the collect\'s ns per dirtied '
        'page, faults per dirtied page, and per cycle the module\'s walks '
        'of all mappings of a range, TLB flushes (tlb:tlb_flush, x86 only) '
        'and kernel allocations (kmem tracepoints), which do not depend on '
        'the machine\'s speed.',
        '',
        'The shares written rise, then fall, in each repetition: "up" rows '
        'come after a smaller share, "down" rows after a larger one.',
        '',
        '| pages | written | order | writers | method | ns/page | ratio | '
        'write / collect | faults | walks | flushes | allocs | goals |',
        '|------:|--------:|-------|--------:|--------|--------:|------:|'
        '----------------:|-------:|------:|--------:|-------:|-------|',
    ]
    for key in keys:
        pages, per_mille, threads, order = key
        med = {m: statistics.median(rows[key, m]) for m in methods
               if (key, m) in rows}
        tracked = [v for m, v in med.items() if m != FLOOR]
        best = min(tracked) if tracked else None
        cnt = {m: median_counts(counts[key, m]) for m in med}
        g = goals(med, cnt, key, lambda k, m: (
            statistics.median(rows[k, m]) if (k, m) in rows else None), tcg)
        for i, m in enumerate(sorted(med, key=med.get)):
            v = rows[key, m]
            ratio = '' if m == FLOOR or best is None else med[m] / best
            if ratio != '':
                ratio = (f'{ratio:.2f}x' +
                         (' tie' if tcg and 1 < ratio < TIE else ''))
            lines.append(
                f"| {pages:,} | {per_mille / 10:g} % | {order} | {threads} | "
                f"{m} | "
                f"{med[m]:,.0f} [{min(v):,.0f}-{max(v):,.0f}] | {ratio} | "
                f"{counts_cells(counts[key, m])} | "
                f"{g if i == 0 else ''} |")
    lines += [
        '',
        'Goals, per dirtied page against uffd-wp with PAGEMAP_SCAN (the '
        'better of anonymous memory and memfd): the best wpfault method no '
        'dearer; the mkwrite methods no dearer at 0.1 % written and at '
        'most 1.3x from 1 % up, and no dearer with two writers than with '
        'one; adaptive within 10 % of the better of its two modes; a '
        'collect at most one TLB flush per run of neighbouring written '
        'pages (one vma).  A verdict\'s ratio is to the goal\'s bound.',
    ]
    lines += fault_table(faults, tcg)
    return '\n'.join(lines) + '\n'


def plot_series(rows, pages, threads):
    """The plot's lines: each method over both directions, and the
    adaptive methods, which depend on where they come from, in each.
    Returns (titles, {(per_mille, title): [ns per page]})."""
    vals = collections.defaultdict(list)
    for (p, pm, t, order), m in rows:
        if p != pages or t != threads:
            continue
        title = f'{m} ({order})' if m.endswith('-adaptive') else m
        vals[pm, title] += rows[(p, pm, t, order), m]
    return sorted({t for _, t in vals}), vals


def plots(rows, res):
    keys = sorted({(p, t) for (p, _, t, _), _ in rows})
    made = []
    for pages, threads in keys:
        name = f'plot-{pages}-pages-{threads}-writers'
        data = os.path.join(res, name + '.dat')
        titles, vals = plot_series(rows, pages, threads)
        with open(data, 'w') as f:
            ratios = sorted({pm for pm, _ in vals})
            f.write('# per_mille ' + ' '.join(titles) + '\n')
            for pm in ratios:
                cells = [f'{statistics.median(vals[pm, t]):.1f}'
                         if vals.get((pm, t)) else '?' for t in titles]
                f.write(f'{pm / 10:g} ' + ' '.join(cells) + '\n')
        cols = ', '.join(
            f"'{data}' using 1:{i + 2} with linespoints title '{t}'"
            for i, t in enumerate(titles))
        script = (
            "set terminal svg size 900,560 dynamic background rgb 'white'\n"
            f"set output '{os.path.join(res, name + '.svg')}'\n"
            f"set title 'Dirty tracking, {pages:,} pages, {threads} "
            "writer(s): cost per dirtied page'\n"
            "set xlabel 'pages written per cycle (%)'\n"
            "set ylabel 'ns per dirtied page (median)'\n"
            "set logscale xy\nset key outside right\nset datafile "
            "missing '?'\n"
            f"plot {cols}\n")
        subprocess.run(['gnuplot'], input=script, text=True, check=True)
        made.append(name + '.svg')
    return made


def compare(log):
    """bench/compare's table: each row's median per build, and new/old,
    then each build's counts."""
    per = collections.defaultdict(lambda: ([], []))
    cnt = collections.defaultdict(lambda: ([], []))
    with open(log) as f:
        for line in f:
            p = line.strip().split(',')
            if len(p) < 4 or p[0] not in ('old', 'new'):
                continue
            build = 0 if p[0] == 'old' else 1
            # old|new,REP,cycle,METHOD,PAGES,PER_MILLE,THREADS,REP,
            # DIRTIED,NS,EXTRA,WRITE_NS,COLLECT_NS,FAULTS,WALKS,FLUSHES,
            # ALLOCS,RUNS,ORDER or old|new,REP,fault,METHOD,PAGES,REP,NS
            if p[2] == 'cycle' and len(p) == 19:
                key = (f'{p[3]}, {int(p[4]):,} pages, '
                       f'{int(p[5]) / 10:g} % {p[18]}, {p[6]} writer(s)')
                per[key][build].append(int(p[9]) / int(p[8]))
                cnt[key][build].append(cycle_counts(p[11:], int(p[8])))
            elif p[2] == 'fault' and len(p) == 7:
                key = f'{p[3]}, one fault per access'
                per[key][build].append(int(p[6]) / int(p[4]))
    if not per:
        sys.exit(f'{log}: no measurements of both builds')
    print('| benchmark | old ns | new ns | new/old |')
    print('|-----------|-------:|-------:|--------:|')
    for key in sorted(per):
        old, new = per[key]
        if not old or not new:
            continue
        a, b = statistics.median(old), statistics.median(new)
        print(f'| {key} | {a:,.0f} | {b:,.0f} | {b / a:.2f} |')
    print()
    print('| benchmark | build | write / collect ns | faults/page | walks '
          '| flushes | allocs |')
    print('|-----------|-------|-------------------:|------------:|------:'
          '|--------:|-------:|')
    for key in sorted(cnt):
        for build, name in enumerate(('old', 'new')):
            if cnt[key][build]:
                print(f'| {key} | {name} | {counts_cells(cnt[key][build])} |')


def main():
    if sys.argv[1] == '--compare':
        compare(sys.argv[2])
        return
    res = sys.argv[1]
    rows, counts, machine = load(res)
    if not rows:
        sys.exit(f'{res}: no measurements')
    with open(os.path.join(res, 'table.md'), 'w') as f:
        f.write(table(rows, counts, load_faults(res), machine))
    for name in plots(rows, res):
        print(f'{res}/{name}')


if __name__ == '__main__':
    main()
