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
qemus = [v for v in vmms if v != "smolvm"]
LABEL = {
    "smolvm": "smolvm",
    "qemu-microvm": "QEMU `-M microvm`",
    "qemu-microvm-rtc": "QEMU `-M microvm,rtc=on`",
    "qemu-pc": "QEMU `-M pc`",
}

# (kernel, vmm) -> list of dicts: marker, total (None if halted), rss, clock (guest
# printk time of "reboot: Power down", None if not found), round
runs, fails, halts = {}, {}, {}
for line in open(f"{work}/results.tsv"):
    f = line.rstrip("\n").split("\t")
    if len(f) != 7 or not f[0].isdigit() or f[0] == "0":
        continue  # warm-up (round 0) and the --stats diagnostic boots
    rnd, k, v, mk, tot, status, rss = f
    status = int(status)
    # 125: the marker came, then the guest halted instead of powering off
    if int(mk) < 0 or status not in (0, 125):
        fails[(k, v)] = fails.get((k, v), 0) + 1
        continue
    if status == 125:
        halts[(k, v)] = halts.get((k, v), 0) + 1
    clock = None
    try:
        out = open(f"{work}/runs/{k}-{v}-{rnd}.out", errors="replace").read()
        m = re.search(r"\[\s*([0-9]+\.[0-9]+)\] reboot: Power down", out)
        if m:
            clock = float(m.group(1)) * 1000
    except OSError:
        pass
    runs.setdefault((k, v), []).append({
        "marker": int(mk) / 1000, "total": int(tot) / 1000 if status == 0 else None,
        "rss": int(rss) / 1024, "clock": clock, "round": rnd})


def col(k, v, key):
    return [x[key] for x in runs.get((k, v), []) if x[key] is not None]


def med(xs):
    return st.median(xs) if xs else None


def fmt(x, d=0):
    return "-" if x is None else f"{x:.{d}f}"


def mm(xs, d=0):
    return "-" if not xs else f"{fmt(med(xs), d)} ({fmt(min(xs), d)})"


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def fr(x):
    return "-" if x is None else f"{x:.2f}x"


print("## Linux boot in the nested harness: smolvm vs QEMU\n")
print(f"All VMMs run in the same L1 (Debian generic kernel under QEMU TCG with emulated SVM, "
      f"1 vCPU) on its `/dev/kvm`, and boot the same L2 kernel and busybox initramfs "
      f"(`/init`: mount proc, print the marker, `poweroff -f`) with 1 vCPU, 256 MiB and "
      f"the command line `{conf['CMDLINE']}`. QEMU 7.2: `-accel kvm -nodefaults "
      f"-no-user-config -nographic -serial stdio -no-reboot`, default CPU model. "
      f"Times in ms from VMM process start (timed in L1), **median (min)** of "
      f"{conf['ROUNDS']} interleaved rounds; one warm-up boot per kernel and VMM discarded. "
      f"Kernels: {open(f'{work}/kernels.txt').read().strip()}.\n")

print("| kernel | VMM | boots ok | to marker | to exit | guest clock at power-down | "
      "exit minus guest clock | peak RSS, MiB | smolvm/this, marker | smolvm/this, exit |")
print("|---|---|---|---|---|---|---|---|---|---|")
for k in kernels:
    sm_mk, sm_tot = med(col(k, "smolvm", "marker")), med(col(k, "smolvm", "total"))
    for v in vmms:
        xs = runs.get((k, v), [])
        n_ok, n_fail = len(xs), fails.get((k, v), 0)
        note = f" ({halts[(k, v)]} halted)" if (k, v) in halts else ""
        pre = [x["total"] - x["clock"] for x in xs if x["total"] is not None and x["clock"] is not None]
        r1 = ratio(sm_mk, med(col(k, v, "marker"))) if v != "smolvm" else None
        r2 = ratio(sm_tot, med(col(k, v, "total"))) if v != "smolvm" else None
        print(f"| {k} | {LABEL.get(v, v)} | {n_ok}/{n_ok + n_fail}{note} | {mm(col(k, v, 'marker'))} "
              f"| {mm(col(k, v, 'total'))} | {fmt(med(col(k, v, 'clock')))} | {fmt(med(pre))} "
              f"| {fmt(med(col(k, v, 'rss')), 1)} | {fr(r1)} | {fr(r2)} |")

print("\n| kernel | " + " | ".join(f"smolvm / {LABEL.get(v, v)}, marker" for v in qemus)
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
        try:
            err = open(f"{work}/runs/{k}-smolvm-{x['round']}.err", errors="replace").read()
        except OSError:
            continue
        m = re.search(r"boot timeline \(us since start\): (.*)", err)
        if m:
            tl = {a: int(b) / 1000 for a, b in re.findall(r"([a-z-]+) (-?[0-9]+)", m.group(1))}
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
