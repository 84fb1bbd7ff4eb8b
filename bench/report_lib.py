# SPDX-License-Identifier: MIT
"""What the benchmark reports share: reading a work directory, statistics and number
formats, and the tables and blocks more than one report prints.

The per-benchmark parts (bench/aarch64/report.py for bench/aarch64-boot.sh,
bench/linux/report.py for bench/linux-boot.sh, bench/linux/disk/report.py for
bench/disk.sh, bench/linux/net/report.py for bench/net.sh) put the bench directory on
sys.path, import this module and print markdown on stdout.

Boot benchmarks (aarch64-boot, linux-boot) have results.tsv lines "round kernel vmm
marker_us total_us status maxrss_kb [guest_poweroff_ms]"; device benchmarks (disk, net)
have "round vmm total_us status maxrss_kb utime_us stime_us" and a guest console per run
with TAG-INFO / TAG-BEGIN / TAG-RESULT / TAG-DONE lines, TAG being DISK or NET.
"""
import glob
import re
import shlex
import statistics

TICK_MS = 10  # USER_HZ: /proc/stat and the TASK lines count in ticks
TIMELINE = re.compile(r"boot timeline \(us since start\): (.*)")


# ---- the work directory -------------------------------------------------------------------

def read_conf(work):
    """bench.conf as a dict (values unquoted as the shell would)."""
    conf = {}
    for line in open(f"{work}/bench.conf"):
        if "=" in line:
            k, v = line.rstrip("\n").split("=", 1)
            conf[k] = " ".join(shlex.split(v))
    return conf


def read_text(path):
    """The file's text, stripped; "" if it cannot be read."""
    try:
        return open(path, errors="replace").read().strip()
    except OSError:
        return ""


def indented(text):
    return "\n".join("    " + x for x in text.splitlines())


def print_block(title, text):
    """A titled block of preformatted lines (nothing if @text is empty)."""
    if text:
        print(f"\n{title}\n")
        print(indented(text))


def parse_timeline(text):
    """smolvm --timings' "boot timeline" in @text -> {event: ms}, or None."""
    m = TIMELINE.search(text)
    if not m:
        return None
    return {a: int(b) / 1000 for a, b in re.findall(r"([a-z-]+) (-?[0-9]+)", m.group(1))}


# ---- statistics and formats ---------------------------------------------------------------

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(x, d=0):
    return "-" if x is None else f"{x:.{d}f}"


def fmt_grouped(x, d=0):
    """fmt with thousands separators."""
    return "-" if x is None else f"{x:,.{d}f}"


def ratio(a, b):
    return None if a is None or not b else a / b


def fr(x):
    return "-" if x is None else f"{x:.2f}x"


def mm(xs, d=0):
    """median (min)"""
    return "-" if not xs else f"{fmt(med(xs), d)} ({fmt(min(xs), d)})"


def cell(xs, d):
    """median (min-max), grouped"""
    if not xs:
        return "-"
    return f"{fmt_grouped(med(xs), d)} ({fmt_grouped(min(xs), d)}-{fmt_grouped(max(xs), d)})"


# ---- boot benchmarks ----------------------------------------------------------------------

def boot_runs(work, nfields, clock):
    """results.tsv of a boot benchmark -> runs, fails, halts.

    runs: (kernel, vmm) -> list of dicts (measured rounds only): marker and total in ms
    (total None if the guest halted), rss in MiB, clock = clock(fields) (the guest's clock
    at power-down in ms, or None), round. fails, halts: (kernel, vmm) -> count. Status 125:
    the marker came, then the guest halted instead of powering off.
    """
    runs, fails, halts = {}, {}, {}
    for line in open(f"{work}/results.tsv"):
        f = line.split()
        if len(f) != nfields or not f[0].isdigit() or f[0] == "0":
            continue  # the warm-up (round 0) and diagnostic boots
        rnd, k, v, mk, tot, status, rss = f[:7]
        status = int(status)
        if int(mk) < 0 or status not in (0, 125):
            fails[(k, v)] = fails.get((k, v), 0) + 1
            continue
        if status == 125:
            halts[(k, v)] = halts.get((k, v), 0) + 1
        runs.setdefault((k, v), []).append({
            "marker": int(mk) / 1000, "total": int(tot) / 1000 if status == 0 else None,
            "rss": int(rss) / 1024, "clock": clock(f), "round": rnd})
    return runs, fails, halts


def boot_col(runs, k, v, key):
    return [x[key] for x in runs.get((k, v), []) if x[key] is not None]


def print_boot_details(kernels, vmms, runs, fails, halts, label):
    """One row a (kernel, VMM): boots, times, the guest's clock, RSS, smolvm's ratios."""
    print("| kernel | VMM | boots ok | to marker | to exit | guest clock at power-down | "
          "exit minus guest clock | peak RSS, MiB | smolvm/this, marker | smolvm/this, exit |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for k in kernels:
        sm_mk = med(boot_col(runs, k, "smolvm", "marker"))
        sm_tot = med(boot_col(runs, k, "smolvm", "total"))
        for v in vmms:
            xs = runs.get((k, v), [])
            n_ok, n_fail = len(xs), fails.get((k, v), 0)
            note = f" ({halts[(k, v)]} halted)" if (k, v) in halts else ""
            pre = [x["total"] - x["clock"] for x in xs
                   if x["total"] is not None and x["clock"] is not None]
            mk, tot = boot_col(runs, k, v, "marker"), boot_col(runs, k, v, "total")
            r1 = ratio(sm_mk, med(mk)) if v != "smolvm" else None
            r2 = ratio(sm_tot, med(tot)) if v != "smolvm" else None
            print(f"| {k} | {label(v)} | {n_ok}/{n_ok + n_fail}{note} | {mm(mk)} | {mm(tot)} "
                  f"| {fmt(med(boot_col(runs, k, v, 'clock')))} | {fmt(med(pre))} "
                  f"| {fmt(med(boot_col(runs, k, v, 'rss')), 1)} | {fr(r1)} | {fr(r2)} |")


# ---- device benchmarks (disk, net) --------------------------------------------------------

def device_results(work):
    """results.tsv of a device benchmark -> list of dicts (cpu = user + system time)."""
    results = []
    for line in open(f"{work}/results.tsv"):
        f = line.rstrip("\n").split("\t")
        if len(f) == 7:
            results.append({"round": f[0], "vmm": f[1], "total": int(f[2]),
                            "status": int(f[3]), "rss": int(f[4]), "cpu": int(f[5]) + int(f[6])})
    return results


def parse_out(path, tag):
    """A run's console (time-stamped by L1) -> (results by test name: dict of the
    TAG-RESULT fields + t_l1, TAG-INFO lines, the TAG-DONE status or None)."""
    res, info, done = {}, [], None
    for ln in read_text(path).splitlines():
        m = re.match(rf"([0-9.]+) ({tag}-\S+) ?(.*)", ln)
        if not m:
            continue
        t, kind, rest = float(m.group(1)), m.group(2), m.group(3)
        if kind == f"{tag}-RESULT":
            d = dict(kv.split("=", 1) for kv in rest.split() if "=" in kv)
            d["t_l1"] = t
            res[d["name"]] = d
        elif kind == f"{tag}-INFO":
            info.append(rest)
        elif kind == f"{tag}-DONE":
            done = rest
    return res, info, done


def parse_stats(path):
    """L1 counter snapshots (vmmrun -S): a list of dicts t, line (the console line that
    triggered it), kvm (debugfs totals), cpu (/proc/stat), task (VMM thread -> ticks),
    hist (KVM tracepoint -> {key tuple: hitcount})."""
    snaps, cur, hist = [], None, None
    try:
        f = open(path, errors="replace")
    except OSError:
        return snaps
    for ln in f:
        w = ln.split()
        if not w:
            continue
        if w[0] == "SNAP":
            cur = {"t": int(w[1]), "line": " ".join(w[2:]), "kvm": {}, "cpu": None, "task": {},
                   "hist": {}}
            snaps.append(cur)
            hist = None
        elif cur is None:
            continue
        elif w[0] == "KVM" and len(w) == 3:
            cur["kvm"][w[1]] = int(w[2])
        elif w[0] == "CPU":
            cur["cpu"] = [int(x) for x in w[1:]]
        elif w[0] == "TASK" and len(w) == 5:
            cur["task"][w[1]] = int(w[3]) + int(w[4])
        elif w[0] == "HIST" and len(w) == 2:
            # .../events/kvm/EVENT/hist -> EVENT
            hist = cur["hist"].setdefault(w[1].rstrip("/").split("/")[-2], {})
        elif w[0] == "H" and hist is not None:
            m = re.match(r"H \{(.*)\}\s+hitcount:\s*(\d+)", ln)
            if m:
                key = tuple(tuple(x.strip() for x in kv.split(":", 1))
                            for kv in m.group(1).split(",") if ":" in kv)
                hist[key] = hist.get(key, 0) + int(m.group(2))
    return snaps


def test_deltas(snaps, tag):
    """test name -> counter deltas between its TAG-BEGIN and TAG-RESULT snapshots"""
    out = {}
    for a, b in zip(snaps, snaps[1:]):
        m = re.match(rf"{tag}-BEGIN (\S+)", a["line"])
        if not m or not b["line"].startswith(f"{tag}-RESULT name={m.group(1)} "):
            continue
        d = {"l1_ms": (b["t"] - a["t"]) / 1000}
        for k, v in b["kvm"].items():
            d["kvm_" + k] = v - a["kvm"].get(k, 0)
        if a["cpu"] and b["cpu"]:
            c = [y - x for x, y in zip(a["cpu"], b["cpu"])]
            # user nice system idle iowait irq softirq steal guest guest_nice; user includes guest
            c += [0] * (10 - len(c))
            d["cpu_all"] = sum(c[:8])
            d["cpu_idle"] = c[3] + c[4]
            d["cpu_guest"] = c[8] + c[9]
            d["cpu_l1_user"] = c[0] + c[1] - c[8] - c[9]
            d["cpu_l1_kernel"] = c[2] + c[5] + c[6]
        d["vmm_cpu"] = sum(v - a["task"].get(k, 0) for k, v in b["task"].items())
        d["hist"] = {}
        for ev, h in b["hist"].items():
            ha = a["hist"].get(ev, {})
            d["hist"][ev] = {k: c - ha.get(k, 0) for k, c in h.items() if c - ha.get(k, 0) > 0}
        out[m.group(1)] = d
    return out


def device_runs(work, results, tag):
    """-> runs, fails, infos, traces.

    runs: vmm -> list of measured runs (round, res, deltas, bad, total, rss, cpu); fails:
    descriptions of the failed ones; infos: vmm -> its TAG-INFO lines (from the first run);
    traces: vmm -> the "trace" round's res, deltas and ok.
    """
    runs, fails, infos, traces = {}, [], {}, {}
    for r in results:
        base = f"{work}/runs/{r['vmm']}-{r['round']}"
        res, info, done = parse_out(base + ".out", tag)
        if r["round"] == "trace":
            traces[r["vmm"]] = {"res": res, "deltas": test_deltas(parse_stats(base + ".stats"), tag),
                                "ok": r["status"] == 0 and done == "status=0"}
        if not r["round"].isdigit():
            continue
        infos.setdefault(r["vmm"], info)
        if r["round"] == "0":
            continue
        bad = r["status"] != 0 or done != "status=0"
        if bad:
            fails.append(f"round {r['round']} {r['vmm']}: VMM exit status {r['status']}, "
                         f"guest {done or 'did not finish'}")
        runs.setdefault(r["vmm"], []).append({
            "round": r["round"], "res": res, "deltas": test_deltas(parse_stats(base + ".stats"), tag),
            "bad": bad, "total": r["total"], "rss": r["rss"], "cpu": r["cpu"]})
    return runs, fails, infos, traces


def print_failures(work, fails):
    """The failed runs, and the L1 sessions that stalled (bench_l1_sessions in lib-l1.sh)."""
    if fails:
        print("\nFailed runs (not counted): " + "; ".join(fails))
    stalls = sorted(glob.glob(f"{work}/attempt*"))
    if stalls:
        print(f"\nL1 stalled {len(stalls)} time(s) (no console output for minutes, the nested "
              f"harness's known flakiness); each time a new L1 resumed with the first round not "
              f"every VMM had finished, keeping the finished rounds (stalled consoles: "
              f"{work}/attempt*/l1-console.log).")


COUNTER_COLS = [("exits", "kvm_exits"), ("MMIO exits", "kvm_mmio_exits"),
                ("HLT exits", "kvm_halt_exits"), ("IRQ injections", "kvm_irq_injections")]


def per_unit(vmm_runs, test, units, extra=None):
    """L1 counters of @test per unit of work over @vmm_runs: key -> list (one value a run).
    units(x) = the units of work in the test's result fields x; extra(add, x, d, n) adds
    more values."""
    per = {}

    def add(key, val):
        per.setdefault(key, []).append(val)
    for run in vmm_runs:
        x, d = run["res"].get(test), run["deltas"].get(test)
        if not x or not d:
            continue
        n = units(x)
        if n <= 0:
            continue
        if extra:
            extra(add, x, d, n)
        for _, k in COUNTER_COLS:
            if k in d:
                add(k, d[k] / n)
        if "irqs" in x and int(x["irqs"]) >= 0:
            add("irqs", int(x["irqs"]) / n)
        if "cpu_all" in d and d["cpu_all"]:
            for k in ("cpu_guest", "cpu_l1_user", "cpu_l1_kernel"):
                add(k, d[k] * TICK_MS * 1000 / n)
            add("idle", 100 * d["cpu_idle"] / d["cpu_all"])
        add("vmm", d["vmm_cpu"] * TICK_MS * 1000 / n)
    return per


def per_unit_cells(per):
    """The counter columns of a per_unit() row: KVM counters ... VMM threads."""
    def g(k, dd=0):
        return fmt_grouped(med(per.get(k, [])), dd)
    return (" | ".join(g(k, 2) for _, k in COUNTER_COLS)
            + f" | {g('irqs', 2)} | {g('cpu_guest')} | {g('cpu_l1_user')} | {g('cpu_l1_kernel')}"
            f" | {g('idle')} | {g('vmm')}")


def print_whole_runs(vmms, runs, label):
    print("\nWhole runs (boot + all tests + power-off, timed in L1; VMM CPU = user + system time of "
          "the VMM process, all threads), medians:\n")
    print("| VMM | runs ok | wall s | VMM CPU s | peak RSS MiB |")
    print("|---|---|---|---|---|")
    for v in vmms:
        xs = [r for r in runs.get(v, []) if not r["bad"]]
        print(f"| {label(v)} | {len(xs)}/{len(runs.get(v, []))} | "
              f"{fmt_grouped(med([r['total'] / 1e6 for r in xs]), 2)} | "
              f"{fmt_grouped(med([r['cpu'] / 1e6 for r in xs]), 2)} | "
              f"{fmt_grouped(med([r['rss'] / 1024 for r in xs]), 1)} |")


def print_device_footer(work, what, tag, vmms, infos):
    """The guest's view (TAG-INFO lines), smolvm --stats and the L1 facts."""
    print(f"\nGuest view of {what} (`{tag}-INFO` from /init; features = the negotiated virtio "
          "feature bits, bit 0 first):\n")
    for v in vmms:
        for ln in infos.get(v, []):
            print(f"    {v}: {ln}")
    print_block("`smolvm --stats` over one extra whole run (boot + all tests):",
                read_text(f"{work}/runs/smolvm-stats.err"))
    print("\nL1 facts:\n")
    try:
        for ln in open(f"{work}/l1-info.txt"):
            print(f"    {ln.rstrip()}")
    except OSError:
        pass
