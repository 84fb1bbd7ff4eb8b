#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Markdown report for bench/net.sh.

    report.py WORKDIR

WORKDIR holds bench.conf, kernels.txt, l1-info.txt, results.tsv (round vmm total_us status
maxrss_kb utime_us stime_us; round 0 = warm-up, "stats" = the smolvm --stats run) and
runs/VMM-ROUND.{out,err,stats}: .out is the guest console time-stamped by L1 (vmmrun), with
NET-INFO / NET-BEGIN / NET-RESULT / NET-DONE lines from the guest's /init; .stats holds L1
snapshots (KVM debugfs totals, /proc/stat, the VMM's threads) taken at each NET-BEGIN and
NET-RESULT line.
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
LABEL = {"smolvm": "smolvm", "smolvm-b": "smolvm-b", "qemu-microvm": "QEMU `-M microvm`",
         "qemu-microvm-vhost": "QEMU microvm, vhost=on",
         "qemu-microvm-modern": "QEMU microvm, modern virtio-mmio",
         "qemu-microvm-nomrg": "QEMU microvm, mrg_rxbuf=off"}
REF = "qemu-microvm"
MB = int(conf["NET_MB"])
# name, test, field, unit, higher is better, what
ROWS = [
    ("tcp-tx", "tcp-tx", "l1_mbps", "MB/s", True,
     f"{MB} MiB over one TCP connection, guest -> L1 (virtio-net transmit), L1's clock"),
    ("tcp-tx-1k", "tcp-tx-1k", "l1_mbps", "MB/s", True,
     f"{MB / 8:g} MiB guest -> L1 in 1 KiB write() calls (as busybox nc), L1's clock"),
    ("tcp-rx", "tcp-rx", "l1_mbps", "MB/s", True,
     f"{MB} MiB over one TCP connection, L1 -> guest (virtio-net receive), L1's clock"),
    ("tcp-rr mean", "tcp-rr", "l1_rtt_us", "us", False,
     f"{conf['RR_N']} 1-byte request/response round trips over TCP: mean, L1's clock"),
    ("tcp-rr median", "tcp-rr", "p50_us", "us", False,
     "the same round trips: median, the guest's clock"),
    ("ping median", "ping", "p50_us", "us", False,
     f"busybox `ping -c {conf['PING_N']} -i 0.2` guest -> L1: median round trip (guest's clock)"),
    ("ping mean", "ping", "avg_us", "us", False, "the same pings: mean round trip"),
]
TICK_MS = 10  # USER_HZ

results = []
for line in open(f"{work}/results.tsv"):
    f = line.rstrip("\n").split("\t")
    if len(f) == 7:
        results.append({"round": f[0], "vmm": f[1], "total": int(f[2]), "status": int(f[3]),
                        "rss": int(f[4]), "cpu": int(f[5]) + int(f[6])})
# The VMMs that ran (L1 drops the vhost variant when it has no vhost-net), in bench.conf order.
ran = {r["vmm"] for r in results}
vmms = [v for v in conf["VMMS"].split() if v in ran]
qemus = [v for v in vmms if v != "smolvm"]
if REF not in qemus:
    REF = qemus[0] if qemus else None


def parse_out(path):
    """-> (results by test name: dict of fields, info lines, done status)"""
    res, info, done = {}, [], None
    try:
        lines = open(path, errors="replace").read().splitlines()
    except OSError:
        return res, info, done
    for ln in lines:
        m = re.match(r"([0-9.]+) (NET-\S+) ?(.*)", ln)
        if not m:
            continue
        tag, rest = m.group(2), m.group(3)
        if tag == "NET-RESULT":
            d = dict(kv.split("=", 1) for kv in rest.split() if "=" in kv)
            res[d["name"]] = d
        elif tag == "NET-INFO":
            info.append(rest)
        elif tag == "NET-DONE":
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
            cur = {"t": int(w[1]), "line": " ".join(w[2:]), "kvm": {}, "cpu": None, "task": {}}
            snaps.append(cur)
        elif cur is None:
            continue
        elif w[0] == "KVM" and len(w) == 3:
            cur["kvm"][w[1]] = int(w[2])
        elif w[0] == "CPU":
            cur["cpu"] = [int(x) for x in w[1:]]
        elif w[0] == "TASK" and len(w) == 5:
            cur["task"][w[1]] = int(w[3]) + int(w[4])
    return snaps


def test_deltas(snaps):
    """test name -> counter deltas between its NET-BEGIN and NET-RESULT snapshots"""
    out = {}
    for a, b in zip(snaps, snaps[1:]):
        m = re.match(r"NET-BEGIN (\S+)", a["line"])
        if not m or not b["line"].startswith(f"NET-RESULT name={m.group(1)} "):
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
        out[m.group(1)] = d
    return out


runs, fails, infos = {}, [], {}
for r in results:
    if not r["round"].isdigit():
        continue
    base = f"{work}/runs/{r['vmm']}-{r['round']}"
    res, info, done = parse_out(base + ".out")
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


def value(run, test, field):
    x = run["res"].get(test)
    if not x or x.get("errors") != "0" or field not in x:
        return None
    v = float(x[field])
    return v if v > 0 else None


def vals(vmm, test, field):
    return [v for v in (value(run, test, field) for run in runs.get(vmm, [])) if v is not None]


def med(xs):
    xs = [x for x in xs if x is not None]
    return st.median(xs) if xs else None


def fmt(x, d=0):
    return "-" if x is None else f"{x:,.{d}f}"


def speed(a, b, higher):
    """smolvm's speed relative to QEMU's: a = smolvm's value, b = QEMU's."""
    if a is None or b is None or not a or not b:
        return None
    return a / b if higher else b / a


def fr(x):
    return "-" if x is None else f"{x:.2f}x"


def cell(xs, d):
    return "-" if not xs else f"{fmt(med(xs), d)} ({fmt(min(xs), d)}-{fmt(max(xs), d)})"


def paired(vmm, test, field, higher):
    out = []
    for a in runs.get("smolvm", []):
        for b in runs.get(vmm, []):
            if a["round"] == b["round"]:
                s = speed(value(a, test, field), value(b, test, field), higher)
                if s is not None:
                    out.append(s)
    return f"{min(out):.2f}-{max(out):.2f}" if out else "-"


def mrg_summary():
    """Per VMM, whether its guest driver took mergeable receive buffers (feature bit 15)."""
    out = []
    for v in vmms:
        feats = [ln.split("features=", 1)[1].split()[0] for ln in infos.get(v, [])
                 if "features=" in ln]
        if feats and len(feats[0]) > 15:
            out.append(f"{LABEL.get(v, v)} {'yes' if feats[0][15] == '1' else 'no'}")
    return ", ".join(out) or "unknown"


print("## virtio-net in the nested harness: smolvm vs QEMU\n")
print(f"Both VMMs run in the same L1 (Debian generic kernel under QEMU TCG with emulated SVM, "
      f"{conf.get('L1_SMP', '1')} vCPU, {conf.get('L1_MEM', '?')}) on its `/dev/kvm`, each in "
      f"turn on the same persistent tap interface `tap0` (10.0.0.1/24 in L1) with the same "
      f"guest MAC, and boot the same L2 kernel ({open(f'{work}/kernels.txt').read().strip()}) "
      f"and busybox initramfs with 1 vCPU and {conf['MEM']}; the guest (eth0 10.0.0.2/24, "
      f"virtio-net over virtio-mmio in both) measures against L1, where "
      f"bench/linux/net/netio.c serves TCP. smolvm `--net tap=tap0,mac=...` (one worker "
      f"thread, readv/writev on the tap); QEMU 7.2 `-M microvm -accel kvm -nodefaults "
      f"-no-user-config -nographic -serial stdio -no-reboot -netdev tap,id=n0,ifname=tap0,"
      f"script=no,downscript=no,vhost=off -device virtio-net-device,netdev=n0,mac=...`: "
      f"**vhost=off**, so that both devices run in the VMM's user space; QEMU 7.2's "
      f"virtio-mmio is legacy (virtio 0.9) by default. Mergeable receive buffers "
      f"(VIRTIO_NET_F_MRG_RXBUF) negotiated: {mrg_summary()}. smolvm: "
      f"`make smolvm` in the work tree at {conf.get('SMOLVM_REV', '?')}.\n")
print(f"**Median (min-max)** of {conf['ROUNDS']} interleaved runs per VMM (one warm-up run each "
      f"discarded). The ratio is smolvm's speed relative to QEMU's: smolvm/QEMU for "
      f"throughput (MB/s, 10^6 bytes/s), QEMU/smolvm for times (us), so > 1.0x means "
      f"smolvm is faster either way; per-round = the range of the ratios of runs paired by "
      f"round. Target: smolvm >= 1.0x {LABEL.get(REF, REF)}.\n")

print(f"| test | unit | smolvm | {LABEL.get(REF, REF)} | smolvm/QEMU | per-round | "
      f"target >= 1.0x | met? |")
print("|---|---|---|---|---|---|---|---|")
for name, test, field, unit, higher, _ in ROWS:
    s, q = vals("smolvm", test, field), vals(REF, test, field)
    if not s and not q:
        continue
    r = speed(med(s), med(q), higher)
    d = 1 if unit == "MB/s" else 0
    met = "-" if r is None else ("yes" if r >= 1.0 else "**no**")
    print(f"| {name} | {unit} | {cell(s, d)} | {cell(q, d)} | {fr(r)} | "
          f"{paired(REF, test, field, higher)} | >= 1.0x | {met} |")
print()
for name, _, _, _, _, what in ROWS:
    print(f"- {name}: {what}")
if fails:
    print("\nFailed runs (not counted): " + "; ".join(fails))
stalls = sorted(glob.glob(f"{work}/attempt*"))
if stalls:
    print(f"\nL1 stalled {len(stalls)} time(s) (no console output for minutes, the nested "
          f"harness's known flakiness); each time a new L1 resumed with the first round not "
          f"every VMM had finished, keeping the finished rounds (stalled consoles: "
          f"{work}/attempt*/l1-console.log).")

others = [v for v in qemus if v != REF]
if others:
    print("\nOther QEMU variants (not the target's reference): `vhost=on` = the reference "
          "command with vhost=on (virtio-net's data path in L1's kernel, vhost-net); "
          "modern = `-global virtio-mmio.force-legacy=false`; mrg_rxbuf=off = without "
          "mergeable receive buffers; smolvm-b = a second smolvm in the same runs, "
          f"`{conf.get('SMOLVM_B', '?')}`, to compare with.\n")
    print("| test | unit | " + " | ".join(f"{LABEL[v]} | smolvm/that" for v in others) + " |")
    print("|---|---|" + "---|---|" * len(others))
    for name, test, field, unit, higher, _ in ROWS:
        s = vals("smolvm", test, field)
        d = 1 if unit == "MB/s" else 0
        cells = []
        for v in others:
            q = vals(v, test, field)
            cells.append(f"{cell(q, d)} | {fr(speed(med(s), med(q), higher))}")
        print(f"| {name} | {unit} | " + " | ".join(cells) + " |")

# ---- diagnostics ------------------------------------------------------------------------
print("\n### Where the time goes (L1 counters per unit of work, medians over the runs)\n")
print("Counted in L1 between the guest's NET-BEGIN and NET-RESULT console lines, per MiB "
      "moved (tcp-tx, tcp-rx) or per round trip (tcp-rr, ping): KVM exits of the VM (L1's "
      "debugfs), guest virtio interrupts (the guest's /proc/interrupts, netio tests only), "
      "L1 CPU time (`/proc/stat`, 10 ms ticks) split into time in the L2 guest, VMM user "
      "space and L1 kernel (KVM, the tap, L1's TCP stack, netio), and L1 idle.\n")
cols = [("exits", "kvm_exits"), ("MMIO exits", "kvm_mmio_exits"), ("HLT exits", "kvm_halt_exits"),
        ("IRQ injections", "kvm_irq_injections")]
print("| test | VMM | " + " | ".join(c for c, _ in cols) +
      " | guest IRQs | L1 CPU us: guest | VMM user | L1 kernel | L1 idle % | VMM threads us |")
print("|---|---|" + "---|" * len(cols) + "---|---|---|---|---|---|")
for test in ("tcp-tx", "tcp-tx-1k", "tcp-rx", "tcp-rr", "ping"):
    for v in vmms:
        per = {}
        for run in runs.get(v, []):
            x, d = run["res"].get(test), run["deltas"].get(test)
            if not x or not d:
                continue
            units = int(x.get("bytes", 0)) / 1048576 if test.startswith("tcp-") and \
                test != "tcp-rr" else int(x.get("n", 1))
            if units <= 0:
                continue

            def add(key, val):
                per.setdefault(key, []).append(val)
            for _, k in cols:
                if k in d:
                    add(k, d[k] / units)
            if "irqs" in x and int(x["irqs"]) >= 0:
                add("irqs", int(x["irqs"]) / units)
            if "cpu_all" in d and d["cpu_all"]:
                for k in ("cpu_guest", "cpu_l1_user", "cpu_l1_kernel"):
                    add(k, d[k] * TICK_MS * 1000 / units)
                add("idle", 100 * d["cpu_idle"] / d["cpu_all"])
            add("vmm", d["vmm_cpu"] * TICK_MS * 1000 / units)
        if not per:
            continue
        g = lambda k, dd=0: fmt(med(per.get(k, [])), dd)
        print(f"| {test} | {LABEL.get(v, v)} | " + " | ".join(g(k, 2) for _, k in cols)
              + f" | {g('irqs', 2)} | {g('cpu_guest')} | {g('cpu_l1_user')} | {g('cpu_l1_kernel')}"
              f" | {g('idle')} | {g('vmm')} |")

print("\nWhole runs (boot + all tests + power-off, timed in L1; VMM CPU = user + system time of "
      "the VMM process, all threads), medians:\n")
print("| VMM | runs ok | wall s | VMM CPU s | peak RSS MiB |")
print("|---|---|---|---|---|")
for v in vmms:
    xs = [r for r in runs.get(v, []) if not r["bad"]]
    print(f"| {LABEL.get(v, v)} | {len(xs)}/{len(runs.get(v, []))} | "
          f"{fmt(med([r['total'] / 1e6 for r in xs]), 2)} | {fmt(med([r['cpu'] / 1e6 for r in xs]), 2)} | "
          f"{fmt(med([r['rss'] / 1024 for r in xs]), 1)} |")

print("\nGuest view of the device (`NET-INFO` from /init; features = the negotiated virtio "
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
      f"snapshots; netio.log: the L1 server's log).")
