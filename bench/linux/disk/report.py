#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Markdown report for bench/disk.sh.

    report.py WORKDIR

WORKDIR holds bench.conf, kernels.txt, l1-info.txt, results.tsv (round vmm total_us status
maxrss_kb utime_us stime_us; round 0 = warm-up, "stats" = the smolvm --stats run) and
runs/VMM-ROUND.{out,err,stats}: .out is the guest console time-stamped by L1 (vmmrun), with
DISK-INFO / DISK-BEGIN / DISK-RESULT / DISK-DONE lines from the guest's /init; .stats holds
L1 snapshots (KVM debugfs totals, /proc/stat, the VMM's threads) taken at each DISK-BEGIN and
DISK-RESULT line.
"""
import glob
import re
import shlex
import statistics as st
import sys

work = sys.argv[1]
conf = {}
for line in open(f"{work}/bench.conf"):
    if "=" in line:
        k, v = line.rstrip("\n").split("=", 1)
        conf[k] = " ".join(shlex.split(v))
vmms = conf["VMMS"].split()
LABEL = {"smolvm": "smolvm", "smolvm-b": "smolvm-b", "qemu-microvm": "QEMU `-M microvm`",
         "qemu-microvm-modern": "QEMU microvm, modern virtio-mmio",
         "qemu-microvm-tuned": "QEMU microvm, modern + iothread + io_uring"}
qemus = [v for v in vmms if v != "smolvm"]
REF = "qemu-microvm" if "qemu-microvm" in qemus else (qemus[0] if qemus else None)
TESTS = [  # name, unit, what
    ("dd-seqwrite", "MB/s", f"busybox `dd bs=1M count={conf['SEQ_MB']} oflag=direct conv=fsync`"),
    ("dd-seqread", "MB/s", f"busybox `dd bs=1M count={conf['SEQ_MB']} iflag=direct`"),
    ("seqwrite", "MB/s", f"{conf.get('SEQ_PASSES', '1')} x {conf['SEQ_MB']} MiB in 1 MiB O_DIRECT writes + fdatasync"),
    ("seqread", "MB/s", f"{conf.get('SEQ_PASSES', '1')} x {conf['SEQ_MB']} MiB in 1 MiB O_DIRECT reads"),
    ("randread", "IOPS", f"{conf['RAND_N']} random 4 KiB O_DIRECT reads, 1 in flight"),
    ("randwrite", "IOPS", f"{conf['RAND_N']} random 4 KiB O_DIRECT writes, 1 in flight, + fdatasync"),
    ("randread-qd", "IOPS", f"{conf['RAND_N']} random 4 KiB O_DIRECT reads from {conf['QD']} threads"),
]
TICK_MS = 10  # USER_HZ

results = []  # dicts: round vmm total status ...
for line in open(f"{work}/results.tsv"):
    f = line.rstrip("\n").split("\t")
    if len(f) != 7:
        continue
    results.append({"round": f[0], "vmm": f[1], "total": int(f[2]), "status": int(f[3]),
                    "rss": int(f[4]), "cpu": int(f[5]) + int(f[6])})


def parse_out(path):
    """-> (results by test name: dict of fields + t_l1, info lines, done status)"""
    res, info, done = {}, [], None
    try:
        lines = open(path, errors="replace").read().splitlines()
    except OSError:
        return res, info, done
    for ln in lines:
        m = re.match(r"([0-9.]+) (DISK-\S+) ?(.*)", ln)
        if not m:
            continue
        t, tag, rest = float(m.group(1)), m.group(2), m.group(3)
        if tag == "DISK-RESULT":
            d = dict(kv.split("=", 1) for kv in rest.split() if "=" in kv)
            d["t_l1"] = t
            res[d["name"]] = d
        elif tag == "DISK-INFO":
            info.append(rest)
        elif tag == "DISK-DONE":
            done = rest
    return res, info, done


def parse_stats(path):
    snaps, cur = [], None
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


def test_deltas(snaps):
    """test name -> counter deltas between its DISK-BEGIN and DISK-RESULT snapshots"""
    out = {}
    for a, b in zip(snaps, snaps[1:]):
        m = re.match(r"DISK-BEGIN (\S+)", a["line"])
        if not m or not b["line"].startswith(f"DISK-RESULT name={m.group(1)} "):
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


# (vmm) -> list of per-run dicts: round, res (test -> fields), deltas (test -> counters)
runs, fails, infos, traces = {}, [], {}, {}
for r in results:
    base = f"{work}/runs/{r['vmm']}-{r['round']}"
    res, info, done = parse_out(base + ".out")
    if r["round"] == "trace":
        traces[r["vmm"]] = {"res": res, "deltas": test_deltas(parse_stats(base + ".stats")),
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
        "round": r["round"], "res": res, "deltas": test_deltas(parse_stats(base + ".stats")),
        "bad": bad, "total": r["total"], "rss": r["rss"], "cpu": r["cpu"]})


def value(x, unit):
    v = x.get("mbps" if unit == "MB/s" else "iops")
    return float(v) if v is not None else None


def vals(vmm, test, unit):
    out = []
    for run in runs.get(vmm, []):
        x = run["res"].get(test)
        if x and x.get("errors") == "0":
            out.append(value(x, unit))
    return out


def med(xs):
    xs = [x for x in xs if x is not None]
    return st.median(xs) if xs else None


def fmt(x, d=0):
    return "-" if x is None else f"{x:,.{d}f}"


def ratio(a, b):
    return None if a is None or not b else a / b


def fr(x):
    return "-" if x is None else f"{x:.2f}x"


rounds = conf["ROUNDS"]
print("## virtio-blk in the nested harness: smolvm vs QEMU\n")
print(f"Both VMMs run in the same L1 (Debian generic kernel under QEMU TCG with emulated SVM, "
      f"{conf.get('L1_SMP', '1')} vCPU, {conf.get('L1_MEM', '?')}) on its `/dev/kvm` and boot the same L2 kernel "
      f"({open(f'{work}/kernels.txt').read().strip()}) and busybox initramfs with 1 vCPU and "
      f"{conf['MEM']}; the guest's `/init` tests `/dev/vda` (virtio-blk over virtio-mmio in "
      f"both). The disk is one raw {conf['IMG_MB']} MiB image file in L1's tmpfs, used by both "
      f"VMMs. smolvm `--disk IMG` (preadv/pwritev on one worker thread, FLUSH = fdatasync); "
      f"QEMU 7.2 `-M microvm -accel kvm -nodefaults -no-user-config -nographic -serial stdio "
      f"-no-reboot -drive id=d0,file=IMG,format=raw,if=none -device virtio-blk-device,drive=d0` "
      f"with its defaults, cache=writeback (host page cache, FLUSH = fdatasync, as smolvm; "
      f"tmpfs cannot do cache=none's O_DIRECT) and aio=threads, default CPU model; QEMU "
      f"7.2's virtio-mmio is legacy (virtio 0.9) by default. "
      f"smolvm: `make smolvm` in the work tree at {conf.get('SMOLVM_REV', '?')}.\n")
print(f"Guest-measured throughput (10^6 bytes/s) or IOPS, **median (min-max)** of {rounds} "
      f"interleaved runs per VMM (one warm-up run each discarded); higher is better. "
      f"Ratio = smolvm median / QEMU median; per-round = range of the ratios of the runs "
      f"paired by round, against the reference {LABEL.get(REF, REF)}. Target: smolvm >= "
      f"1.0x the reference.\n")

extras = {"qemu-microvm-modern": "`-global virtio-mmio.force-legacy=false`",
          "qemu-microvm-tuned": "`-global virtio-mmio.force-legacy=false -object iothread,id=io0`, "
          "`aio=io_uring` on the drive, `iothread=io0` on the device"}
for v in qemus:
    if v in extras:
        print(f"Extra variant, not the reference: {LABEL[v]} = the reference command plus {extras[v]}.\n")
if "smolvm-b" in vmms:
    print(f"smolvm-b: a second smolvm in the same runs, `{conf.get('SMOLVM_B', '?')}`, to compare "
          f"with (smolvm/smolvm-b > 1.0x: smolvm is faster).\n")

cell = lambda xs: "-" if not xs else f"{fmt(med(xs), 1)} ({fmt(min(xs), 1)}-{fmt(max(xs), 1)})"
print("| test | unit | " + " | ".join(LABEL.get(v, v) for v in vmms) + " | "
      + " | ".join(f"smolvm/{LABEL.get(v, v)}" for v in qemus)
      + " | per-round vs reference | target >= 1.0x |")
print("|---|---|" + "---|" * (len(vmms) + len(qemus) + 2))
for test, unit, _ in TESTS:
    v_all = {v: vals(v, test, unit) for v in vmms}
    if not any(v_all.values()):
        continue
    rs = {v: ratio(med(v_all["smolvm"]), med(v_all[v])) for v in qemus}
    paired = []
    for a in runs.get("smolvm", []):
        for b in runs.get(REF, []):
            if a["round"] == b["round"] and test in a["res"] and test in b["res"]:
                paired.append(ratio(value(a["res"][test], unit), value(b["res"][test], unit)))
    paired = [p for p in paired if p is not None]
    pr = f"{min(paired):.2f}-{max(paired):.2f}" if paired else "-"
    r = rs.get(REF)
    verdict = "-" if r is None else ("met" if r >= 1.0 else "**not met**")
    print(f"| {test} | {unit} | " + " | ".join(cell(v_all[v]) for v in vmms) + " | "
          + " | ".join(fr(rs[v]) for v in qemus) + f" | {pr} | {verdict} |")
print()
for test, unit, what in TESTS:
    print(f"- {test}: {what}")
if fails:
    print("\nFailed runs (not counted): " + "; ".join(fails))
stalls = sorted(glob.glob(f"{work}/attempt*"))
if stalls:
    print(f"\nL1 stalled {len(stalls)} time(s) (no console output for minutes, the nested "
          f"harness's known flakiness); each time a new L1 resumed with the first round not "
          f"every VMM had finished, keeping the finished rounds (stalled consoles: "
          f"{work}/attempt*/l1-console.log).")

# ---- diagnostics ------------------------------------------------------------------------
print("\n### Where the time goes (L1 counters per guest I/O call, medians over the runs)\n")
print("Counted in L1 between the guest's DISK-BEGIN and DISK-RESULT console lines: KVM exits "
      "of the VM (L1's debugfs), guest virtio interrupts (the guest's /proc/interrupts), L1 "
      "CPU time (`/proc/stat`, 10 ms ticks) split into time in the L2 guest, VMM user space "
      "and L1 kernel (KVM, the host side of the I/O, scheduling), and L1 idle. One call = one "
      "pread/pwrite = one virtio-blk request (1 MiB fits max_sectors_kb=1280). `l1/guest "
      "clock` = the test's duration by L1's clock / by the guest's.\n")
cols = [("exits", "kvm_exits"), ("MMIO exits", "kvm_mmio_exits"), ("HLT exits", "kvm_halt_exits"),
        ("IRQ injections", "kvm_irq_injections")]
if conf.get("L1_SMP", "1") == "1":
    print("With one L1 vCPU, the L2 vCPU thread and the VMM's I/O threads take turns on one CPU "
          "(L1 is never idle): all figures here measure the CPU cost of the whole request path "
          "rather than what overlapping work could gain (set L1_SMP=2 for that).\n")
print("| test | VMM | us/call | " + " | ".join(c for c, _ in cols) +
      " | guest IRQs | L1 CPU us/call: guest | VMM user | L1 kernel | L1 idle % | VMM threads us/call | l1/guest clock |")
print("|---|---|---|" + "---|" * len(cols) + "---|---|---|---|---|---|---|")
for test, unit, _ in TESTS:
    for v in vmms:
        per = {}
        for run in runs.get(v, []):
            x, d = run["res"].get(test), run["deltas"].get(test)
            if not x or not d:
                continue
            n = int(x["n"])
            us = int(x["us"])

            def add(key, val):
                per.setdefault(key, []).append(val)
            add("us", us / n)
            for _, k in cols:
                if k in d:
                    add(k, d[k] / n)
            if "irqs" in x and int(x["irqs"]) >= 0:
                add("irqs", int(x["irqs"]) / n)
            if "cpu_all" in d and d["cpu_all"]:
                for k in ("cpu_guest", "cpu_l1_user", "cpu_l1_kernel"):
                    add(k, d[k] * TICK_MS * 1000 / n)
                add("idle", 100 * d["cpu_idle"] / d["cpu_all"])
            add("vmm", d["vmm_cpu"] * TICK_MS * 1000 / n)
            if us > 0:
                add("clock", d["l1_ms"] * 1000 / us)
        if not per:
            continue
        g = lambda k, dd=0: fmt(med(per.get(k, [])), dd)
        print(f"| {test} | {LABEL.get(v, v)} | {g('us', 1)} | "
              + " | ".join(g(k, 2) for _, k in cols)
              + f" | {g('irqs', 2)} | {g('cpu_guest')} | {g('cpu_l1_user')} | {g('cpu_l1_kernel')}"
              f" | {g('idle')} | {g('vmm')} | {g('clock', 3)} |")

print("\nWhole runs (boot + all tests + power-off, timed in L1; VMM CPU = user + system time of "
      "the VMM process, all threads), medians:\n")
print("| VMM | runs ok | wall s | VMM CPU s | peak RSS MiB |")
print("|---|---|---|---|---|")
for v in vmms:
    xs = [r for r in runs.get(v, []) if not r["bad"]]
    print(f"| {LABEL.get(v, v)} | {len(xs)}/{len(runs.get(v, []))} | "
          f"{fmt(med([r['total'] / 1e6 for r in xs]), 2)} | {fmt(med([r['cpu'] / 1e6 for r in xs]), 2)} | "
          f"{fmt(med([r['rss'] / 1024 for r in xs]), 1)} |")

# ---- trace runs --------------------------------------------------------------------------
SVM_EXIT = {0x060: "INTR", 0x061: "NMI", 0x062: "SMI", 0x064: "VINTR", 0x06e: "RDTSC",
            0x072: "CPUID", 0x077: "PAUSE", 0x078: "HLT", 0x079: "INVLPG", 0x07b: "IOIO",
            0x07c: "MSR", 0x07f: "SHUTDOWN", 0x081: "VMMCALL", 0x08d: "XSETBV", 0x400: "NPF",
            0x401: "AVIC_IPI", 0x402: "AVIC_ACCESS"}
USER_EXIT = {"2": "IO", "6": "MMIO", "8": "SHUTDOWN", "10": "INTR", "24": "SYSTEM_EVENT",
             "26": "IOAPIC_EOI (IOAPIC in user space)"}
MSR = {0x80b: "x2APIC EOI", 0x830: "x2APIC ICR", 0x838: "x2APIC TMICT", 0x6e0: "TSC_DEADLINE",
       0x819: "x2APIC TMR[63:32]", 0x832: "x2APIC LVT timer",
       0x4b564d00: "KVM wall clock", 0x4b564d01: "KVM system time", 0x4b564d02: "KVM async PF",
       0x4b564d03: "KVM steal time", 0x4b564d04: "KVM PV EOI"}
VIRTIO_REG = {0x050: "notify", 0x060: "ISR read", 0x064: "INT ack", 0x070: "status", 0x0fc: "generation"}


def hexint(x):
    try:
        return int(x, 16)
    except ValueError:
        return None


def label(ev, key):
    k = dict(key)
    if ev == "kvm_exit":
        c = hexint(k.get("exit_reason", ""))
        if c is None:
            return k.get("exit_reason", "?")
        if 0x040 <= c < 0x060:
            return f"EXCP{c - 0x40}"
        return SVM_EXIT.get(c, hex(c))
    if ev == "kvm_mmio":
        gpa = hexint(k.get("gpa", "")) or 0
        kind = {"0": "R?", "1": "R", "2": "W"}.get(k.get("type", "?"), k.get("type", "?"))
        if gpa & ~0xfff == 0xfee00000:
            name = "LAPIC " + {0xb0: "EOI", 0x380: "TMICT", 0x300: "ICR"}.get(gpa & 0xfff, hex(gpa & 0xfff))
        elif gpa & ~0xfff == 0xfec00000:
            name = "IOAPIC " + hex(gpa & 0xfff)
        elif gpa & 0x1ff in VIRTIO_REG and gpa >= 0xd0000000:
            # virtio-mmio register: transports are 0x200-aligned in smolvm and QEMU microvm
            name = f"virtio {VIRTIO_REG[gpa & 0x1ff]}"
        else:
            name = hex(gpa)
        return f"{kind} {name}"
    if ev == "kvm_msr":
        c = hexint(k.get("ecx", ""))
        w = "W" if k.get("write", "0") != "0" else "R"
        return f"{w} {MSR.get(c, hex(c) if c is not None else '?')}"
    if ev == "kvm_userspace_exit":
        return USER_EXIT.get(k.get("reason", ""), "reason " + k.get("reason", "?"))
    if ev == "kvm_set_irq":
        return f"gsi {k.get('gsi', '?')} level {k.get('level', '?')}"
    if ev == "kvm_inj_virq":
        vec = k.get("vector", "?")
        return "vector 236 (LAPIC timer)" if vec == "236" else f"vector {vec}"
    return " ".join(f"{a}={b}" for a, b in key)


EVENTS = [("kvm_exit", "VM exits by SVM exit code"),
          ("kvm_userspace_exit", "exits to the VMM's user space by KVM_EXIT reason"),
          ("kvm_mmio", "emulated MMIO accesses by address (handled in L1's kernel, e.g. an ioeventfd "
           "or the LAPIC, or passed to the VMM)"),
          ("kvm_msr", "MSR accesses"),
          ("kvm_set_irq", "interrupt line changes from the VMM (KVM_IRQ_LINE)"),
          ("kvm_inj_virq", "interrupts injected into the guest, by vector")]
if traces:
    print("\n### KVM tracepoint histograms per guest I/O call (one extra traced run per VMM, "
          "not counted above)\n")
    print("Hist triggers on L1's KVM tracepoints, snapshotted at the test's DISK-BEGIN and "
          "DISK-RESULT lines; counts divided by the test's calls. Tracing slows the run, so "
          "only the counts matter here.\n")
    for ev, what in EVENTS:
        rows = []
        for test, _, _ in TESTS:
            for v in vmms:
                tr = traces.get(v)
                if not tr or test not in tr["deltas"] or test not in tr["res"]:
                    continue
                h = tr["deltas"][test].get("hist", {}).get(ev)
                if h is None:
                    continue
                n = int(tr["res"][test]["n"])
                per = {}
                for key, c in h.items():
                    if ev == "kvm_mmio" and dict(key).get("type") == "0":
                        continue  # a read that goes on to user space: traced again as type 1
                    lb = label(ev, key)
                    per[lb] = per.get(lb, 0) + c / n
                rows.append((test, v, per))
        if not rows:
            continue
        tot = {}
        for _, _, per in rows:
            for k, x in per.items():
                tot[k] = max(tot.get(k, 0), x)
        keys = [k for k, x in sorted(tot.items(), key=lambda kv: -kv[1]) if x >= 0.02][:10]
        print(f"{what}:\n")
        print("| test | VMM | all | " + " | ".join(keys) + " |")
        print("|---|---|---|" + "---|" * len(keys))
        for test, v, per in rows:
            print(f"| {test} | {LABEL.get(v, v)} | {sum(per.values()):.2f} | "
                  + " | ".join(f"{per.get(k, 0):.2f}" for k in keys) + " |")
        print()

print("\nGuest view of the disk (`DISK-INFO` from /init; features = the negotiated virtio "
      "feature bits, bit 0 first):\n")
for v in vmms:
    for ln in infos.get(v, []):
        print(f"    {v}: {ln}")
try:
    err = open(f"{work}/runs/smolvm-stats.err", errors="replace").read().strip()
except OSError:
    err = ""
if err:
    print("\n`smolvm --stats` over one extra whole run (boot + all tests):\n")
    for ln in err.splitlines():
        print(f"    {ln}")
print("\nL1 facts:\n")
try:
    for ln in open(f"{work}/l1-info.txt"):
        print(f"    {ln.rstrip()}")
except OSError:
    pass
print(f"\nRaw data: {work} (results.tsv: round vmm total_us status maxrss_kb utime_us "
      f"stime_us; runs/VMM-ROUND.out: guest console time-stamped in L1; .stats: L1 counter "
      f"snapshots).")
