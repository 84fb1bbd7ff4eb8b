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
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from report_lib import (COUNTER_COLS, cell, device_results, device_runs, fr, med,  # noqa: E402
                        per_unit, per_unit_cells, print_device_footer, print_failures,
                        print_whole_runs, read_conf, read_text)

work = sys.argv[1]
conf = read_conf(work)
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
results = device_results(work)
# The VMMs that ran (L1 drops the vhost variant when it has no vhost-net), in bench.conf order.
ran = {r["vmm"] for r in results}
vmms = [v for v in conf["VMMS"].split() if v in ran]
qemus = [v for v in vmms if v != "smolvm"]
if REF not in qemus:
    REF = qemus[0] if qemus else None


runs, fails, infos, _ = device_runs(work, results, "NET")


def label(v):
    return LABEL.get(v, v)


def value(run, test, field):
    x = run["res"].get(test)
    if not x or x.get("errors") != "0" or field not in x:
        return None
    v = float(x[field])
    return v if v > 0 else None


def vals(vmm, test, field):
    return [v for v in (value(run, test, field) for run in runs.get(vmm, [])) if v is not None]


def speed(a, b, higher):
    """smolvm's speed relative to QEMU's: a = smolvm's value, b = QEMU's."""
    if a is None or b is None or not a or not b:
        return None
    return a / b if higher else b / a


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
            out.append(f"{label(v)} {'yes' if feats[0][15] == '1' else 'no'}")
    return ", ".join(out) or "unknown"


print("## virtio-net in the nested harness: smolvm vs QEMU\n")
print(f"Both VMMs run in the same L1 (Debian generic kernel under QEMU TCG with emulated SVM, "
      f"{conf.get('L1_SMP', '1')} vCPU, {conf.get('L1_MEM', '?')}) on its `/dev/kvm`, each in "
      f"turn on the same persistent tap interface `tap0` (10.0.0.1/24 in L1) with the same "
      f"guest MAC, and boot the same L2 kernel ({read_text(f'{work}/kernels.txt')}) "
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
print_failures(work, fails)

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
print("| test | VMM | " + " | ".join(c for c, _ in COUNTER_COLS) +
      " | guest IRQs | L1 CPU us: guest | VMM user | L1 kernel | L1 idle % | VMM threads us |")
print("|---|---|" + "---|" * len(COUNTER_COLS) + "---|---|---|---|---|---|")


def units(test):
    """What one unit of work is in @test's result fields: a MiB moved, or one round trip."""
    if test.startswith("tcp-") and test != "tcp-rr":
        return lambda x: int(x.get("bytes", 0)) / 1048576
    return lambda x: int(x.get("n", 1))


for test in ("tcp-tx", "tcp-tx-1k", "tcp-rx", "tcp-rr", "ping"):
    for v in vmms:
        per = per_unit(runs.get(v, []), test, units(test))
        if not per:
            continue
        print(f"| {test} | {label(v)} | {per_unit_cells(per)} |")

print_whole_runs(vmms, runs, label)

print_device_footer(work, "the device", "NET", vmms, infos)
print(f"\nRaw data: {work} (results.tsv: round vmm total_us status maxrss_kb utime_us "
      f"stime_us; runs/VMM-ROUND.out: guest console time-stamped in L1; .stats: L1 counter "
      f"snapshots; netio.log: the L1 server's log).")
