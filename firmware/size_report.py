#!/usr/bin/env python3
"""Footprint and cost of a firmware image (the `firmware-size` target).

Static figures come from the ELF (arm-none-eabi-size -A, arm-none-eabi-nm) and
the linker map (which input file each section came from, to separate our code
from the C/C++ runtime libraries). Dynamic figures (stack high-water mark,
SysTick ticks per second of audio) come from one run of the image under QEMU
with -icount shift=0, where one instruction takes 1 ns of virtual time, so the
SysTick counts a fixed number of instructions per tick: 40 on mps2-an386
(25 MHz), 50 on mps2-an505 (20 MHz).

It also writes a size profile (with --profile FILE): flash bytes per object
file and the largest functions and objects (arm-none-eabi-nm --size-sort).

usage: size_report.py --elf X.elf --map X.map --size arm-none-eabi-size
                      --nm arm-none-eabi-nm [--machine mps2-an386]
                      [--instructions-per-tick 40]
                      [--qemu qemu-system-arm --clip a.raw]
                      [--mhz 80] [--out report.txt] [--profile profile.txt]
"""
import argparse
import re
import subprocess
import sys

FLASH_SECTIONS = {".vectors", ".text", ".model", ".rodata", ".ARM.exidx"}
RAM_SECTIONS = {".data", ".bss"}


def section_sizes(size_tool, elf):
    out = subprocess.run([size_tool, "-A", elf], check=True, capture_output=True, text=True).stdout
    sizes = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0].startswith(".") and parts[1].isdigit():
            sizes[parts[0]] = int(parts[1])
    return sizes


def symbol_size(nm_tool, elf, name):
    out = subprocess.run([nm_tool, "-S", "-C", elf], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split(maxsplit=3)
        if len(parts) == 4 and parts[3] == name:
            return int(parts[1], 16)
    return None


def library_bytes(map_path, per_object=None):
    """Bytes per (output section, origin) from the map: origin is 'runtime' for
    the toolchain's archives (libc, libm, libgcc, libstdc++), else 'ours'.
    With a dict `per_object`, also bytes per (output section, input file)."""
    totals = {}
    current = None
    pending_name = False
    entry = re.compile(r"^\s+(?:(\S+)\s+)?0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)\s+(\S.*)$")
    in_map = False
    with open(map_path, encoding="utf-8", errors="replace") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.startswith("Linker script and memory map"):
                in_map = True
                continue
            if not in_map:
                continue
            head = re.match(r"^(\.[\w.]+)\s", line) or re.match(r"^(\.[\w.]+)$", line)
            if head:
                current = head.group(1)
                continue
            if current is None:
                continue
            if re.match(r"^ \.\S+$", line):
                pending_name = True  # long input-section name; numbers on the next line
                continue
            m = entry.match(line)
            if not m:
                continue
            if m.group(1) is None and not pending_name and not line.startswith("                "):
                continue
            pending_name = False
            size = int(m.group(3), 16)
            origin_file = m.group(4).strip()
            if size == 0 or origin_file.startswith("*") or "=" in origin_file:
                continue
            archive = re.search(r"([^/]+\.a)\(", origin_file)
            runtime = archive is not None and not archive.group(1).startswith("libkws")
            key = (current, "runtime" if runtime else "ours")
            totals[key] = totals.get(key, 0) + size
            if per_object is not None:
                name = re.sub(r"^.*/", "", origin_file)
                per_object[(current, name)] = per_object.get((current, name), 0) + size
    return totals


def write_profile(path, per_object, nm_tool, elf, top=40):
    """Flash bytes per input file (text, rodata, model, .data image), then the
    largest symbols."""
    flash = FLASH_SECTIONS | {".data"}
    by_file = {}
    for (sec, name), size in per_object.items():
        if sec in flash:
            by_file[name] = by_file.get(name, 0) + size
    out = ["flash bytes per input file (map; LTO objects show as their archive member or ltrans):"]
    for name, size in sorted(by_file.items(), key=lambda kv: -kv[1]):
        out.append(f"{size:8d}  {name}")
    out.append("")
    out.append(f"largest {top} symbols (nm --size-sort; t/T code, r/R/d/D data, b/B bss):")
    proc = subprocess.run([nm_tool, "--size-sort", "-S", "-C", "-r", elf],
                          capture_output=True, text=True, check=True)
    for line in proc.stdout.splitlines()[:top]:
        parts = line.split(None, 3)
        if len(parts) == 4:
            out.append(f"{int(parts[1], 16):8d}  {parts[2]}  {parts[3]}")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def run_clip(qemu, machine, elf, clip):
    cmd = [qemu, "-M", machine, "-nographic", "-monitor", "none", "-serial", "null",
           "-semihosting-config", "enable=on,target=native", "-icount", "shift=0",
           "-kernel", elf, "-append", clip]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    values = {}
    for token in proc.stdout.split():
        if "=" in token:
            k, v = token.split("=", 1)
            values.setdefault(k, v)
    return proc.returncode, values, proc.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--elf", required=True)
    ap.add_argument("--map", required=True)
    ap.add_argument("--size", required=True)
    ap.add_argument("--nm", required=True)
    ap.add_argument("--machine", default="mps2-an386")
    ap.add_argument("--instructions-per-tick", type=int, default=40)
    ap.add_argument("--profile")
    ap.add_argument("--qemu")
    ap.add_argument("--clip")
    ap.add_argument("--arena-symbol", default="kws_fw_arena")
    ap.add_argument("--mhz", type=float, default=80.0)
    ap.add_argument("--out")
    args = ap.parse_args()

    sizes = section_sizes(args.size, args.elf)
    per_object = {}
    by_origin = library_bytes(args.map, per_object)
    if args.profile:
        write_profile(args.profile, per_object, args.nm, args.elf)
    lines = []
    say = lines.append

    model = sizes.get(".model", 0)
    code = sum(sizes.get(s, 0) for s in FLASH_SECTIONS if s != ".model")
    data_init = sizes.get(".data", 0)  # initial values are stored in flash too
    flash_total = code + model + data_init
    runtime_flash = sum(v for (sec, origin), v in by_origin.items()
                        if origin == "runtime" and sec in FLASH_SECTIONS | {".data"})
    say(f"image: {args.elf} ({args.machine})")
    say(f"flash: code+rodata {code} B (text {sizes.get('.text', 0)}, rodata "
        f"{sizes.get('.rodata', 0)}, vectors {sizes.get('.vectors', 0)}, exidx "
        f"{sizes.get('.ARM.exidx', 0)}), .data init {data_init} B, model {model} B, "
        f"total {flash_total} B")
    say(f"flash: C/C++ runtime libraries {runtime_flash} B; model+code beyond them "
        f"{flash_total - runtime_flash} B")

    arena = symbol_size(args.nm, args.elf, args.arena_symbol)
    stack = sizes.get(".stack", 0)
    ram_static = sizes.get(".data", 0) + sizes.get(".bss", 0)
    say(f"ram: data {sizes.get('.data', 0)} B, bss {sizes.get('.bss', 0)} B"
        + (f" (arena {arena} B)" if arena is not None else "")
        + f", stack reserved {stack} B; data+bss+stack {ram_static + stack} B")

    if args.qemu and args.clip:
        rc, values, stdout = run_clip(args.qemu, args.machine, args.elf, args.clip)
        if rc != 0:
            sys.stdout.write(stdout)
            sys.exit(f"size_report: the QEMU run on {args.clip} failed (exit {rc})")
        high_water = int(values.get("stack_high_water_bytes", "0"))
        say(f"ram: stack high-water {high_water} B (painted); data+bss+stack used "
            f"{ram_static + high_water} B")
        if "arena_used_bytes" in values:
            say(f"ram: arena needed {values['arena_used_bytes']} B of {values.get('arena_bytes')} B")
        ticks = int(values.get("process_ticks", "0"))
        audio_s = float(values.get("audio_seconds", "0"))
        if ticks and audio_s > 0:
            insns = ticks * args.instructions_per_tick
            per_s = insns / audio_s
            duty = 100.0 * per_s / (args.mhz * 1e6)
            say(f"cost: {insns} instructions for {audio_s:.3f} s of audio = "
                f"{per_s / 1e6:.3f} M instructions per audio second; at {args.mhz:g} MHz and "
                f"1 instruction/cycle that is a {duty:.2f} % duty cycle")
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
