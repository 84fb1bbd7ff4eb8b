#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Markdown report for bench/linux-boot.sh.

    report.py WORKDIR

WORKDIR holds bench.conf (KERNELS, VMMS, ROUNDS, CMDLINE), kernels.txt,
results.tsv (round kernel vmm marker_us total_us status maxrss_kb; round 0 is
the warm-up, round "stats" the smolvm --stats boots) and runs/KERNEL-VMM-ROUND.{out,err}.
"""
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from report_lib import (boot_col, boot_runs, fmt, fr, indented, med,  # noqa: E402
                        parse_timeline, print_block, print_boot_details, ratio, read_conf, read_text)

work = sys.argv[1]
conf = read_conf(work)
kernels = conf["KERNELS"].split()
vmms = conf["VMMS"].split()
qemus = [v for v in vmms if v != "smolvm"]  # smolvm-b too: compared like the QEMUs
LABEL = {
    "smolvm": "smolvm",
    "smolvm-b": "smolvm-b (SMOLVM_B)",
    "qemu-microvm": "QEMU `-M microvm`",
    "qemu-microvm-rtc": "QEMU `-M microvm,rtc=on`",
    "qemu-pc": "QEMU `-M pc`",
}


def poweroff_clock(f):
    """The guest's printk time of "reboot: Power down" in the boot's console, ms."""
    rnd, k, v = f[:3]
    m = re.search(r"\[\s*([0-9]+\.[0-9]+)\] reboot: Power down",
                  read_text(f"{work}/runs/{k}-{v}-{rnd}.out"))
    return float(m.group(1)) * 1000 if m else None


def label(v):
    return LABEL.get(v, v)


def col(k, v, key):
    return boot_col(runs, k, v, key)


runs, fails, halts = boot_runs(work, 7, poweroff_clock)
print("## Linux boot in the nested harness: smolvm vs QEMU\n")
print(f"All VMMs run in the same L1 (Debian generic kernel under QEMU TCG with emulated SVM, "
      f"1 vCPU) on its `/dev/kvm`, and boot the same L2 kernel and busybox initramfs "
      f"(`/init`: mount proc, print the marker, `poweroff -f`) with 1 vCPU, 256 MiB and "
      f"the command line `{conf['CMDLINE']}`. QEMU 7.2: `-accel kvm -nodefaults "
      f"-no-user-config -nographic -serial stdio -no-reboot`, default CPU model. "
      f"Times in ms from VMM process start (timed in L1), **median (min)** of "
      f"{conf['ROUNDS']} interleaved rounds; one warm-up boot per kernel and VMM discarded. "
      f"Kernels: {read_text(f'{work}/kernels.txt')}.\n")

print_boot_details(kernels, vmms, runs, fails, halts, label)

print("\n| kernel | " + " | ".join(f"smolvm / {label(v)}, marker" for v in qemus)
      + " | target: marker <= 0.80x QEMU `-M microvm` |")
print("|---|" + "---|" * (len(qemus) + 1))
for k in kernels:
    sm = med(col(k, "smolvm", "marker"))
    cells = [fr(ratio(sm, med(col(k, v, "marker")))) for v in qemus]
    verdict = []
    for v in ("qemu-microvm", "qemu-microvm-rtc"):
        r = ratio(sm, med(col(k, v, "marker")))
        if v in qemus and r is not None:
            verdict.append(f"{'met' if r <= 0.80 else 'NOT met'} vs {LABEL[v]}")
    print(f"| {k} | " + " | ".join(cells) + f" | {'; '.join(verdict) or '-'} |")

print("\nsmolvm boot timeline (`--timings` on stderr; median ms since process start over the "
      "measured boots; first-output = first byte the guest wrote to the UART; marker from the "
      "timing helper):\n")
keys = ["vm-created", "kernel-loaded", "first-run", "first-output", "exit"]
print("| kernel | " + " | ".join(keys) + " | marker | load kernel+initrd | first-run to first-output "
      "| first-output to marker | marker to exit |")
print("|---|" + "---|" * (len(keys) + 5))
for k in kernels:
    tls = []
    for x in runs.get((k, "smolvm"), []):
        tl = parse_timeline(read_text(f"{work}/runs/{k}-smolvm-{x['round']}.err"))
        if tl:
            tl["marker"] = x["marker"]
            tls.append(tl)

    def mt(key, tls=tls):
        return med([t[key] for t in tls if t.get(key, -1) >= 0])

    def md(a, b, tls=tls):
        return med([t[b] - t[a] for t in tls if t.get(a, -1) >= 0 and t.get(b, -1) >= 0])
    print(f"| {k} | " + " | ".join(fmt(mt(key), 1) for key in keys) + f" | {fmt(mt('marker'), 1)} "
          f"| {fmt(md('vm-created', 'kernel-loaded'), 1)} | {fmt(md('first-run', 'first-output'), 1)} "
          f"| {fmt(md('first-output', 'marker'), 1)} | {fmt(md('marker', 'exit'), 1)} |")

if "qemu-microvm-rtc" in vmms:
    print("\nNote: with KVM, QEMU 7.2's `-M microvm` has no CMOS RTC (`rtc=auto` means off "
          "under KVM) but its ACPI tables do not say so; a kernel with `CONFIG_RTC_DRV_CMOS=y` "
          "(the Debian cloud kernel) then probes the missing RTC, which stalls ~4 s in this "
          "nested setup (`cmos_init` in `initcall_debug`). `-M microvm,rtc=on` avoids it. "
          "smolvm's hardware-reduced ACPI makes Linux skip the legacy RTC probe.")

# What bench/linux-boot.sh appended to the table before: L1 facts, smolvm --stats, raw data.
print("\nL1 facts:\n")
if read_text(f"{work}/l1-info.txt"):
    print(indented(read_text(f"{work}/l1-info.txt")))
for k in kernels:
    print_block(f"smolvm --stats, {k} kernel (one extra boot):",
                read_text(f"{work}/runs/{k}-smolvm-stats.err"))
print(f"\nRaw data: {work} (results.tsv: round kernel vmm marker_us total_us status maxrss_kb).")
