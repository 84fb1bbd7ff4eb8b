#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""mkcorpus.py: writes the seed corpora of the fuzz targets into tests/fuzz/corpus/<target>/.

Small, valid (or nearly valid) inputs for each target, so the fuzzer starts deep in the
code instead of at the magic numbers. Deterministic: running it again gives the same
bytes. The dtb seeds need dtc (device-tree-compiler); without it they are left as they are.
"""
import gzip
import io
import os
import shutil
import struct
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def gz(data):
    b = io.BytesIO()
    with gzip.GzipFile(fileobj=b, mode="wb", mtime=0) as f:
        f.write(data)
    return b.getvalue()


# --- ELF ------------------------------------------------------------------------------
EM_X86_64, EM_AARCH64 = 62, 183
PT_LOAD, PT_NOTE = 1, 4


def note(name, ntype, desc):
    n = name + b"\0"
    pad = lambda b: b + b"\0" * (-len(b) % 4)
    return struct.pack("<III", len(n), len(desc), ntype) + pad(n) + pad(desc)


def elf(machine, entry, segs, notes=b""):
    """segs: (paddr, vaddr, bytes, memsz); notes go in a PT_NOTE after the segments."""
    phnum = len(segs) + (1 if notes else 0)
    off = 64 + 56 * phnum
    phdrs, body = b"", b""
    for paddr, vaddr, data, memsz in segs:
        phdrs += struct.pack("<IIQQQQQQ", PT_LOAD, 7, off + len(body), vaddr, paddr,
                             len(data), memsz, 0x1000)
        body += data
    if notes:
        phdrs += struct.pack("<IIQQQQQQ", PT_NOTE, 4, off + len(body), 0, 0, len(notes),
                             len(notes), 4)
        body += notes
    ident = b"\x7fELF" + bytes([2, 1, 1]) + b"\0" * 9
    eh = ident + struct.pack("<HHIQQQIHHHHHH", 2, machine, 1, entry, 64, 0, 0, 64, 56,
                             phnum, 64, 0, 0)
    return eh + phdrs + body


CODE = bytes([0xf4, 0xeb, 0xfd]) + bytes(range(13))
put("elf", "x86-bare", elf(EM_X86_64, 0x100000, [(0x100000, 0x100000, CODE, 0x1000)]))
put("elf", "x86-pvh", elf(EM_X86_64, 0xffffffff81000000,
                          [(0x100000, 0xffffffff81000000, CODE, 0x2000)],
                          note(b"Xen", 18, struct.pack("<I", 0x100000)) +
                          note(b"Linux", 6, b"6.1\0")))
put("elf", "x86-vmlinux", elf(EM_X86_64, 0x100000,
                              [(0x100000, 0xffffffff81000000, CODE, 0x1000),
                               (0x110000, 0xffffffff81010000, CODE, 0x800)],
                              note(b"Linux", 1, b"x")))
put("elf", "x86-high", elf(EM_X86_64, 0x100000000,
                           [(0x20000, 0x20000, CODE, 0x100),
                            (0x100000000, 0x100000000, CODE, 0x1000)]))
put("elf", "arm64", elf(EM_AARCH64, 0x10000, [(0x10000, 0x10000, CODE, 0x400)]))
# The bzimage target loads any kernel file, so ELF files are seeds there too.
put("bzimage", "elf-pvh", elf(EM_X86_64, 0x1000000, [(0x1000000, 0x1000000, CODE, 0x1000)],
                              note(b"Xen", 18, struct.pack("<Q", 0x1000000))))


# --- bzImage --------------------------------------------------------------------------
def bzimage(version=0x020F, setup_sects=1, kernel_len=1024, relocatable=1,
            pref=0x1000000, init_size=0x400000, code32=0x100000, xload=1,
            cmdline_size=2047, initrd_max=0x7FFFFFFF, tail=b"\x00\x00\x00"):
    setup = bytearray(((setup_sects or 4) + 1) * 512)
    setup[0x1F1] = setup_sects
    struct.pack_into("<I", setup, 0x1F4, kernel_len // 16)
    struct.pack_into("<H", setup, 0x1FE, 0xAA55)
    setup[0x200], setup[0x201] = 0xEB, 0x6A
    setup[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", setup, 0x206, version)
    setup[0x211] = 1  # LOADED_HIGH
    struct.pack_into("<I", setup, 0x214, code32)
    struct.pack_into("<I", setup, 0x22C, initrd_max)
    struct.pack_into("<I", setup, 0x230, 0x200000)
    setup[0x234] = relocatable
    struct.pack_into("<H", setup, 0x236, xload)
    struct.pack_into("<I", setup, 0x238, cmdline_size)
    struct.pack_into("<Q", setup, 0x258, pref)
    struct.pack_into("<I", setup, 0x260, init_size)
    kernel = bytes((i * 7 + 3) & 0xFF for i in range(kernel_len - len(tail))) + tail
    return bytes(setup) + kernel


put("bzimage", "modern", bzimage())
put("bzimage", "modern-initrd-cmdline", bzimage(tail=b"\x05\x80\x40"))
put("bzimage", "v2.06-fixed", bzimage(version=0x0206, relocatable=0, code32=0x200000))
put("bzimage", "v2.10-pref", bzimage(version=0x020A, pref=0x2000000, tail=b"\x03\x00\x20"))
put("bzimage", "low-initrd-max", bzimage(initrd_max=0x1800000, cmdline_size=255,
                                         tail=b"\x07\x01\x10"))
put("bzimage", "setup-sects-0", bzimage(setup_sects=0, kernel_len=2048))


# --- arm64 Image, Image.gz, zboot -----------------------------------------------------
def image(text_offset=0, image_size=0x10000, flags=0xA, body=512):
    hdr = struct.pack("<IIQQQQQQI", 0x14000000, 0, text_offset, image_size, flags, 0, 0,
                      0, 0x644D5241) + b"\0" * 4
    return hdr + bytes((i * 5) & 0xFF for i in range(body))


def zboot(payload, comp=b"gzip"):
    hdr = bytearray(64)
    hdr[0:2] = b"MZ"
    hdr[4:8] = b"zimg"
    struct.pack_into("<II", hdr, 8, 64, len(payload))
    hdr[24:24 + len(comp)] = comp
    return bytes(hdr) + payload


img = image()
put("arm64_image", "image", img)
put("arm64_image", "image-old", image(text_offset=0x80000, image_size=0, flags=0))
put("arm64_image", "image-64k", image(flags=0x6, image_size=0x200000, body=2048))
put("arm64_image", "image-gz", gz(img))
put("arm64_image", "image-gz-2members", gz(img[:100]) + gz(img[100:]))
put("arm64_image", "zboot", zboot(gz(img)))
put("arm64_image", "zboot-zstd", zboot(b"\x28\xb5\x2f\xfd" + b"\0" * 16, b"zstd"))

# --- dtb ------------------------------------------------------------------------------
DTS = {
    "chosen": """/dts-v1/; / { #address-cells = <2>; #size-cells = <2>; model = "fuzz";
        chosen { bootargs = "console=ttyAMA0"; linux,initrd-start = <0 0x48000000>;
                 linux,initrd-end = <0 0x48100000>; };
        memory@40000000 { device_type = "memory"; reg = <0 0x40000000 0 0x8000000>; }; };""",
    "no-chosen": """/dts-v1/; / { compatible = "linux,dummy-virt"; #address-cells = <2>;
        #size-cells = <2>; cpus { #address-cells = <1>; #size-cells = <0>;
        cpu@0 { device_type = "cpu"; reg = <0>; }; }; };""",
    "memreserve": """/dts-v1/; /memreserve/ 0x40000000 0x1000; / { chosen { }; aliases {
        serial0 = "/pl011@9000000"; }; pl011@9000000 { reg = <0 0x9000000 0 0x1000>; }; };""",
}
if shutil.which("dtc"):
    for name, src in DTS.items():
        for opt in (0, 3, 0x1F):  # the target's option byte: the blob's last byte
            blob = subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-p", "16"],
                                  input=src.encode(), capture_output=True, check=True).stdout
            blob = blob[:-1] + bytes([opt])  # -p padding: the last byte is free
            put("dtb", f"{name}-{opt:02x}", blob)
else:
    print("mkcorpus: no dtc (device-tree-compiler): dtb seeds left as they are", file=sys.stderr)


# --- virtq ----------------------------------------------------------------------------
F_INDIRECT, F_EVENT_IDX = 1 << 28, 1 << 29
DATA = 0x20000


def a16(gpa):
    """The target's compact address of data-area byte @gpa."""
    return (gpa - DATA) // 8


def desc(addr, length, flags, nxt):
    return struct.pack("<HHBB", a16(addr), length, flags, nxt)


def vq(mode, features, opt, log2, queues, extra=b"", data=b""):
    b = struct.pack("<BIBB", mode, features, opt, log2)
    for descs, heads in queues:
        b += bytes([len(descs)]) + b"".join(descs) + bytes([len(heads)]) + bytes(heads)
    return b + extra + data


def blk_req(typ, sector):
    return struct.pack("<IIQ", typ, 0, sector)


# Data area layout of the seeds: request headers at DATA, buffers from DATA + 0x1000.
blk_data = blk_req(0, 1) + blk_req(1, 2) + blk_req(8, 0) + blk_req(4, 0)
blk_q = ([desc(DATA, 16, 1, 1), desc(DATA + 0x1000, 512, 3, 2), desc(DATA + 0x800, 1, 2, 0),
          desc(DATA + 16, 16, 1, 4), desc(DATA + 0x1000, 1024, 1, 5),
          desc(DATA + 0x801, 1, 2, 0),
          desc(DATA + 32, 16, 1, 7), desc(DATA + 0x2000, 20, 3, 8), desc(DATA + 0x802, 1, 2, 0),
          desc(DATA + 48, 16, 1, 10), desc(DATA + 0x803, 1, 2, 0)],
         [0, 3, 6, 9])
for f, n in ((0, "blk"), (F_EVENT_IDX, "blk-event-idx")):
    put("virtq", n, vq(1, f, 0, 4, [blk_q], data=blk_data))
put("virtq", "blk-ro", vq(1, 0, 1, 4, [blk_q], data=blk_data))
# An indirect table in the data area (at DATA + 0x100) holding a read request.
ind = (struct.pack("<QIHH", DATA, 16, 1, 1) + struct.pack("<QIHH", DATA + 0x1000, 512, 3, 2) +
       struct.pack("<QIHH", DATA + 0x800, 1, 2, 0))
ind_data = blk_data + b"\0" * (0x100 - len(blk_data)) + ind
put("virtq", "blk-indirect", vq(1, F_INDIRECT, 0, 3, [([desc(DATA + 0x100, 48, 4, 0)], [0])],
                                data=ind_data))
rng_q = ([desc(DATA, 64, 2, 0), desc(DATA + 64, 16, 3, 2), desc(DATA + 80, 16, 2, 0)], [0, 1])
put("virtq", "rng", vq(3, 0, 0, 3, [rng_q]))
put("virtq", "bare", vq(0, F_INDIRECT | F_EVENT_IDX, 0, 4, [blk_q], data=blk_data))
put("virtq", "bare-indirect", vq(0, F_INDIRECT, 0, 3, [([desc(DATA + 0x100, 48, 4, 0)], [0])],
                                 data=ind_data))
frame = bytes(12) + bytes.fromhex("525400123456020000000001") + b"\x88\xb5" + bytes(range(50))
net_rx = ([desc(DATA + 0x4000 + 0x800 * i, 2048, 2, 0) for i in range(4)], [0, 1, 2, 3])
net_tx = ([desc(DATA, 12, 1, 1), desc(DATA + 12, len(frame) - 12, 0, 0)], [0])
net_extra = bytes([2]) + struct.pack("<H", len(frame)) + frame + struct.pack("<H", 20) + frame[:20]
put("virtq", "net", vq(2, 1 << 5 | 1 << 16, 1, 4, [net_rx, net_tx], net_extra, frame))
put("virtq", "net-mrg", vq(2, 1 << 15 | 1 << 1 | 1 << 7, 0, 4, [net_rx, net_tx], net_extra,
                           frame))
con_rx = ([desc(DATA + 0x4000, 64, 2, 0)], [0])
con_tx = ([desc(DATA, 12, 0, 0)], [0])
put("virtq", "console", vq(4, 0, 0, 3, [con_rx, con_tx], bytes([5]) + b"hello",
                           b"hello, world"))

# --- virtio_mmio ----------------------------------------------------------------------
(OP_WRITE_REG, OP_ACCESS, OP_BRINGUP, OP_RESET, OP_QUEUE_SETUP, OP_DESC, OP_PUBLISH,
 OP_NOTIFY, OP_WAIT, OP_MEM, OP_REQUEST, OP_NET_FRAME, OP_CONSOLE_IN, OP_ACK, OP_AVAIL_RAW,
 OP_READ_CONFIG) = range(16)


def bringup(features=0, log2=4):
    return struct.pack("<BIB", OP_BRINGUP, features, log2)


def request(q, idx, kind, arg):
    return struct.pack("<BBBBH", OP_REQUEST, q, idx, kind, arg)


def qsetup(q, slot, log2, how):
    return bytes([OP_QUEUE_SETUP, q, slot, log2, how])


W = bytes([OP_WAIT])
R = bytes([OP_RESET])
ACK = bytes([OP_ACK])
# blk: read 2 sectors, write 1, GET_ID, FLUSH; then in-flight re-setup and reset.
blk_prog = (bringup(0, 4) + request(0, 0, 0, 0x0201) + request(0, 3, 1, 0x0105) +
            request(0, 6, 3, 0) + request(0, 9, 2, 0) + W + ACK)
put("virtio_mmio", "blk", bytes([0, 0]) + blk_prog)
put("virtio_mmio", "blk-resetup-in-flight", bytes([0, 0]) + bringup(0, 4) +
    b"".join(request(0, 3 * i, 0, 0x0400 | i) for i in range(5)) + qsetup(0, 1, 3, 0) +
    request(0, 0, 0, 0x0101) + W)
put("virtio_mmio", "blk-reset-in-flight", bytes([0, 0]) + bringup(F_EVENT_IDX, 5) +
    b"".join(request(0, 3 * i, 0, 0x0400 | i) for i in range(5)) + R + W +
    bringup(0, 4) + request(0, 0, 1, 0x0102) + W)
put("virtio_mmio", "blk-ro", bytes([0, 1]) + blk_prog)
put("virtio_mmio", "rng", bytes([2, 0]) + bringup(0, 3) + request(0, 0, 0, 63) +
    request(0, 1, 0, 4000) + W + R + bringup(F_EVENT_IDX, 2) + request(0, 0, 0, 16))
put("virtio_mmio", "net", bytes([1, 1]) + bringup(1 << 5 | 1 << 16 | 1 << 15, 4) +
    request(0, 0, 0, 2047) + request(0, 1, 0, 2047) + request(1, 0, 7, 80) +
    struct.pack("<BH", OP_NET_FRAME, len(frame)) + frame + W +
    struct.pack("<BH", OP_NET_FRAME, 0) + qsetup(0, 2, 4, 0) + request(0, 0, 0, 100) + R + W)
put("virtio_mmio", "console", bytes([3, 0]) + bringup(0, 3) + request(1, 0, 0x41, 10) +
    request(0, 0, 0, 31) + bytes([OP_CONSOLE_IN, 5]) + b"input" + W + ACK +
    bytes([OP_READ_CONFIG, 0, 2]) + R)
put("virtio_mmio", "registers", bytes([0, 0]) +
    b"".join(struct.pack("<BHBQ", OP_ACCESS, off, 2, 0) for off in range(0, 0x110, 4)) +
    struct.pack("<BBI", OP_WRITE_REG, 8, 1) + struct.pack("<BBI", OP_WRITE_REG, 8, 3) +
    struct.pack("<BBI", OP_WRITE_REG, 3, 0) + struct.pack("<BBI", OP_WRITE_REG, 4, 8))
print("mkcorpus: seeds written under", ROOT)
