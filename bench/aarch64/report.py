#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Markdown report for bench/aarch64-boot.sh.

    report.py WORKDIR

WORKDIR holds bench.conf (KERNELS, VMMS, ROUNDS, CMDLINE, ...), kernels.txt,
results.tsv (round kernel vmm marker_us total_us status maxrss_kb guest_poweroff_ms;
round 0 is the warm-up), timelines.txt (round kernel "boot timeline ..." of smolvm
--timings), l1-info.txt and stats.txt.
"""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from report_lib import (boot_col, boot_runs, fmt, fr, med, mm, parse_timeline,  # noqa: E402
                        print_block, print_boot_details, ratio, read_conf, read_text)

work = sys.argv[1]
conf = read_conf(work)
kernels = conf["KERNELS"].split()
vmms = conf["VMMS"].split()
ALL = ["smolvm", "qemu", "qemu-lean", "lkvm"]
LABEL = {"smolvm": "smolvm", "qemu": "QEMU", "qemu-lean": "QEMU pmu=off,sve=off", "lkvm": "lkvm"}
TARGET = 0.80




def col(k, v, key):
    return boot_col(runs, k, v, key)


def label(v):
    return LABEL[v]


# The guest's clock at power-down: the last field, -1 if the boot had none.
runs, fails, halts = boot_runs(work, 8, lambda f: int(f[7]) if int(f[7]) >= 0 else None)
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
      f"{'; '.join(read_text(f'{work}/kernels.txt').splitlines())}.\n")

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
print_boot_details(kernels, cols, runs, fails, halts, label)

# smolvm's own timeline (median over the measured rounds)
tls = {}
for line in read_text(f"{work}/timelines.txt").splitlines():
    f = line.split(None, 2)
    if len(f) < 3 or f[0] == "0":
        continue
    tl = parse_timeline(f[2])
    if tl:
        tls.setdefault(f[1], []).append(tl)
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

print_block("L1 facts:", read_text(f"{work}/l1-info.txt"))
print_block("What the guest saw (one extra boot of the last kernel per VMM without `quiet`; "
            "kernel log lines about the CPU, PMU, GIC, timer, PSCI):",
            read_text(f"{work}/guest.txt"))
print_block("smolvm --stats (one extra boot per kernel):", read_text(f"{work}/stats.txt"))
print(f"\nRaw data: {work} (results.tsv: round kernel vmm marker_us total_us status maxrss_kb "
      f"guest_poweroff_ms; l1-console.log).")
