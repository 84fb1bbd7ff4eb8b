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
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from report_lib import (COUNTER_COLS, cell, device_results, device_runs, fr, med,  # noqa: E402
                        per_unit, per_unit_cells, print_device_footer, print_failures,
                        print_whole_runs, ratio, read_conf, read_text)
from report_lib import fmt_grouped as fmt  # noqa: E402

work = sys.argv[1]
conf = read_conf(work)
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
results = device_results(work)
runs, fails, infos, traces = device_runs(work, results, "DISK")


def label(v):
    return LABEL.get(v, v)


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


rounds = conf["ROUNDS"]
print("## virtio-blk in the nested harness: smolvm vs QEMU\n")
print(f"Both VMMs run in the same L1 (Debian generic kernel under QEMU TCG with emulated SVM, "
      f"{conf.get('L1_SMP', '1')} vCPU, {conf.get('L1_MEM', '?')}) on its `/dev/kvm` and boot the same L2 kernel "
      f"({read_text(f'{work}/kernels.txt')}) and busybox initramfs with 1 vCPU and "
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

print("| test | unit | " + " | ".join(label(v) for v in vmms) + " | "
      + " | ".join(f"smolvm/{label(v)}" for v in qemus)
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
    print(f"| {test} | {unit} | " + " | ".join(cell(v_all[v], 1) for v in vmms) + " | "
          + " | ".join(fr(rs[v]) for v in qemus) + f" | {pr} | {verdict} |")
print()
for test, unit, what in TESTS:
    print(f"- {test}: {what}")
print_failures(work, fails)

# ---- diagnostics ------------------------------------------------------------------------
print("\n### Where the time goes (L1 counters per guest I/O call, medians over the runs)\n")
print("Counted in L1 between the guest's DISK-BEGIN and DISK-RESULT console lines: KVM exits "
      "of the VM (L1's debugfs), guest virtio interrupts (the guest's /proc/interrupts), L1 "
      "CPU time (`/proc/stat`, 10 ms ticks) split into time in the L2 guest, VMM user space "
      "and L1 kernel (KVM, the host side of the I/O, scheduling), and L1 idle. One call = one "
      "pread/pwrite = one virtio-blk request (1 MiB fits max_sectors_kb=1280). `l1/guest "
      "clock` = the test's duration by L1's clock / by the guest's.\n")
if conf.get("L1_SMP", "1") == "1":
    print("With one L1 vCPU, the L2 vCPU thread and the VMM's I/O threads take turns on one CPU "
          "(L1 is never idle): all figures here measure the CPU cost of the whole request path "
          "rather than what overlapping work could gain (set L1_SMP=2 for that).\n")
print("| test | VMM | us/call | " + " | ".join(c for c, _ in COUNTER_COLS) +
      " | guest IRQs | L1 CPU us/call: guest | VMM user | L1 kernel | L1 idle % | VMM threads us/call | l1/guest clock |")
print("|---|---|---|" + "---|" * len(COUNTER_COLS) + "---|---|---|---|---|---|---|")


def call_time(add, x, d, n):
    """The guest's time per call, and L1's clock against the guest's."""
    us = int(x["us"])
    add("us", us / n)
    if us > 0:
        add("clock", d["l1_ms"] * 1000 / us)


for test, unit, _ in TESTS:
    for v in vmms:
        per = per_unit(runs.get(v, []), test, lambda x: int(x["n"]), call_time)
        if not per:
            continue
        print(f"| {test} | {label(v)} | {fmt(med(per.get('us', [])), 1)} | {per_unit_cells(per)}"
              f" | {fmt(med(per.get('clock', [])), 3)} |")

print_whole_runs(vmms, runs, label)

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


def event_label(ev, key):
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
                    lb = event_label(ev, key)
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
            print(f"| {test} | {label(v)} | {sum(per.values()):.2f} | "
                  + " | ".join(f"{per.get(k, 0):.2f}" for k in keys) + " |")
        print()

print_device_footer(work, "the disk", "DISK", vmms, infos)
print(f"\nRaw data: {work} (results.tsv: round vmm total_us status maxrss_kb utime_us "
      f"stime_us; runs/VMM-ROUND.out: guest console time-stamped in L1; .stats: L1 counter "
      f"snapshots).")
