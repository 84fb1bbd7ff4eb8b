#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Markdown report for bench/aarch64-boot.sh.

    report.py WORKDIR

WORKDIR holds bench.conf (KERNELS, VMMS, ROUNDS, CMDLINE, ...), kernels.txt,
results.tsv (round kernel vmm marker_us total_us status maxrss_kb guest_poweroff_ms;
round 0 is the warm-up), timelines.txt (round kernel "boot timeline ..." of smolvm
--timings), l1-info.txt and stats.txt.
"""
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
kernels = conf["KERNELS"].split()
vmms = conf["VMMS"].split()
ALL = ["smolvm", "qemu", "qemu-lean", "lkvm"]
LABEL = {"smolvm": "smolvm", "qemu": "QEMU", "qemu-lean": "QEMU pmu=off,sve=off", "lkvm": "lkvm"}
TARGET = 0.80


def read_text(name):
    try:
        return open(f"{work}/{name}", errors="replace").read().strip()
    except OSError:
        return ""


# (kernel, vmm) -> list of dicts (measured rounds only); failures counted apart.
runs, fails, halts = {}, {}, {}
for line in open(f"{work}/results.tsv"):
    f = line.split()
    if len(f) != 8 or not f[0].isdigit() or f[0] == "0":
        continue
    rnd, k, v, mk, tot, status, rss, clock = f
    status = int(status)
    if int(mk) < 0 or status not in (0, 125):
        fails[(k, v)] = fails.get((k, v), 0) + 1
        continue
    if status == 125:
        halts[(k, v)] = halts.get((k, v), 0) + 1
    runs.setdefault((k, v), []).append({
        "marker": int(mk) / 1000, "total": int(tot) / 1000 if status == 0 else None,
        "rss": int(rss) / 1024, "clock": int(clock) if int(clock) >= 0 else None})


def col(k, v, key):
    return [x[key] for x in runs.get((k, v), []) if x[key] is not None]


def med(xs):
    return st.median(xs) if xs else None


def fmt(x, d=0):
    return "-" if x is None else f"{x:.{d}f}"


def mm(xs):
    return "-" if not xs else f"{fmt(med(xs))} ({fmt(min(xs))})"


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def fr(x):
    return "-" if x is None else f"{x:.2f}x"


cols = [v for v in ALL if v in vmms]
n_rounds = conf["ROUNDS"]
print("## aarch64 Linux boot in the nested harness: smolvm vs QEMU\n")
print(f"All VMMs run in the same L1 (Debian's arm64 cloud kernel under qemu-system-aarch64 "
      f"TCG, `-M virt,virtualization=on,gic-version=3 -cpu max,pauth=off`, 1 vCPU, "
      f"{conf.get('L1_MEM', '1G')}) on its `/dev/kvm`, and boot the same L2 kernel and "
      f"busybox initramfs (`/init`: mount proc, print the marker, `poweroff -f`) with 1 vCPU, "
      f"{conf['MEM']} and the command line `{conf['CMDLINE']}`. QEMU: `qemu-system-aarch64 "
      f"-M {conf.get('QEMU_MACHINE', 'virt')} -accel kvm -cpu host -nodefaults -no-user-config "
      f"-nographic -serial stdio -no-reboot` ({conf.get('QEMU_INFO', '?')}); smolvm: "
      f"`smolvm --timings` ({conf.get('SMOLVM_INFO', '?')}). "
      + ("QEMU pmu=off,sve=off: the same QEMU with `-cpu host,pmu=off,sve=off`, a leaner "
         "vCPU than smolvm's, which like `-cpu host` has the host's PMU and SVE (an extra; "
         "the target is judged against plain `-cpu host`). "
         if "qemu-lean" in vmms else "")
      + f"kvmtool (lkvm): no Debian 12 "
      f"package, not measured. Times in ms from VMM process start to the marker on its "
      f"stdout (timed in L1), **median (min)** of {n_rounds} interleaved rounds; one warm-up "
      f"boot per kernel and VMM discarded. Kernels: "
      f"{'; '.join(read_text('kernels.txt').splitlines())}.\n")

print("| kernel | " + " | ".join(f"{LABEL[v]} ms" for v in cols)
      + " | smolvm/QEMU | target | met? |")
print("|---|" + "---|" * (len(cols) + 3))
for k in kernels:
    r = ratio(med(col(k, "smolvm", "marker")), med(col(k, "qemu", "marker")))
    met = "-" if r is None else ("yes" if r <= TARGET else "no")
    print(f"| {k} | " + " | ".join(mm(col(k, v, "marker")) for v in cols)
          + f" | {fr(r)} | <= {TARGET:.1f}x | {met} |")

print("\nDetails per boot (median (min) ms; guest clock = the guest's printk time of "
      "`reboot: Power down`, so exit minus guest clock is roughly the VMM's own start-up "
      "and tear-down plus the time before the kernel's clock starts):\n")
print("| kernel | VMM | boots ok | to marker | to exit | guest clock at power-down | "
      "exit minus guest clock | peak RSS, MiB | smolvm/this, marker | smolvm/this, exit |")
print("|---|---|---|---|---|---|---|---|---|---|")
for k in kernels:
    sm_mk, sm_tot = med(col(k, "smolvm", "marker")), med(col(k, "smolvm", "total"))
    for v in cols:
        xs = runs.get((k, v), [])
        n_ok, n_fail = len(xs), fails.get((k, v), 0)
        note = f" ({halts[(k, v)]} halted)" if (k, v) in halts else ""
        pre = [x["total"] - x["clock"] for x in xs
               if x["total"] is not None and x["clock"] is not None]
        r1 = ratio(sm_mk, med(col(k, v, "marker"))) if v != "smolvm" else None
        r2 = ratio(sm_tot, med(col(k, v, "total"))) if v != "smolvm" else None
        print(f"| {k} | {LABEL[v]} | {n_ok}/{n_ok + n_fail}{note} | {mm(col(k, v, 'marker'))} "
              f"| {mm(col(k, v, 'total'))} | {fmt(med(col(k, v, 'clock')))} | {fmt(med(pre))} "
              f"| {fmt(med(col(k, v, 'rss')), 1)} | {fr(r1)} | {fr(r2)} |")

# smolvm's own timeline (median over the measured rounds)
tls = {}
for line in read_text("timelines.txt").splitlines():
    f = line.split(None, 2)
    if len(f) < 3 or f[0] == "0":
        continue
    m = re.search(r"boot timeline \(us since start\): (.*)", f[2])
    if m:
        tls.setdefault(f[1], []).append(
            {a: int(b) / 1000 for a, b in re.findall(r"([a-z-]+) (-?[0-9]+)", m.group(1))})
if tls:
    keys = []
    for tl in (t for ts in tls.values() for t in ts):
        keys += [key for key in tl if key not in keys]
    print("\nsmolvm boot timeline (`--timings`, median ms since process start):\n")
    print("| kernel | " + " | ".join(keys) + " |")
    print("|---|" + "---|" * len(keys))
    for k in kernels:
        ts = tls.get(k, [])
        print(f"| {k} | " + " | ".join(
            fmt(med([t[key] for t in ts if t.get(key, -1) >= 0]), 1) for key in keys) + " |")

# Paired ratios: smolvm / QEMU within the same round (robust to slow drifts of the host).
pairs = {}
for line in open(f"{work}/results.tsv"):
    f = line.split()
    if len(f) == 8 and f[0].isdigit() and f[0] != "0" and int(f[3]) >= 0 and f[5] in ("0", "125"):
        pairs.setdefault((f[1], f[0]), {})[f[2]] = int(f[3])
qemus = [v for v in cols if v.startswith("qemu")]
if "smolvm" in cols and qemus:
    print("\nsmolvm / QEMU to marker, paired within each round: median (min - max) over the "
          "rounds where both booted:\n")
    print("| kernel | " + " | ".join(f"smolvm / {LABEL[v]}" for v in qemus) + " |")
    print("|---|" + "---|" * len(qemus))
    for k in kernels:
        cells = []
        for v in qemus:
            rs = [p["smolvm"] / p[v] for (kk, _), p in pairs.items()
                  if kk == k and "smolvm" in p and v in p and p[v] > 0]
            cells.append("-" if not rs else
                         f"{fr(med(rs))} ({fr(min(rs))} - {fr(max(rs))}, n={len(rs)})")
        print(f"| {k} | " + " | ".join(cells) + " |")

info = read_text("l1-info.txt")
if info:
    print("\nL1 facts:\n")
    print("\n".join("    " + x for x in info.splitlines()))
guest = read_text("guest.txt")
if guest:
    print("\nWhat the guest saw (one extra boot of the last kernel per VMM without `quiet`; "
          "kernel log lines about the CPU, PMU, GIC, timer, PSCI):\n")
    print("\n".join("    " + x for x in guest.splitlines()))
stats = read_text("stats.txt")
if stats:
    print("\nsmolvm --stats (one extra boot per kernel):\n")
    print("\n".join("    " + x for x in stats.splitlines()))
print(f"\nRaw data: {work} (results.tsv: round kernel vmm marker_us total_us status maxrss_kb "
      f"guest_poweroff_ms; l1-console.log).")
