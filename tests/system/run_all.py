#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Run tern's system tests: run_all.py BUILD [NAME ...]."""
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

TESTS = ["qemu_uefi", "qemu_viommu", "qemu_net", "qemu_grub", "qemu_grub_uefi", "bochs", "bochs_vm", "bochs_net", "bochs_linux",
         "bochs_eli_linux", "bochs_swap", "bench_blk", "kvm"]
ALIASES = {"qemu-uefi": "qemu_uefi", "qemu-net": "qemu_net", "qemu-grub": "qemu_grub",
           "qemu-grub-uefi": "qemu_grub_uefi", "bochs-vm": "bochs_vm", "bochs-net": "bochs_net", "bochs-linux": "bochs_linux",
           "bochs-eli-linux": "bochs_eli_linux",
           "bochs-swap": "bochs_swap",
           "bench-blk": "bench_blk", "qemu-viommu": "qemu_viommu"}


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    names = [ALIASES.get(n, n) for n in sys.argv[2:]] or TESTS
    os.makedirs(os.path.join(build, "esp-empty"), exist_ok=True)
    passed = failed = skipped = 0
    for name in names:
        mod = __import__("test_" + name)
        t0 = time.monotonic()
        print("RUN  %s: %s" % (name, (mod.__doc__ or "").strip().splitlines()[0]), flush=True)
        try:
            mod.run(build)
        except harness.Skip as e:
            skipped += 1
            print("SKIP %s: %s" % (name, e), flush=True)
            continue
        except harness.TestFailure as e:
            failed += 1
            print("FAIL %s (%.1f s): %s" % (name, time.monotonic() - t0, e), flush=True)
            continue
        except Exception:
            failed += 1
            print("FAIL %s: %s" % (name, traceback.format_exc()), flush=True)
            continue
        passed += 1
        print("PASS %s (%.1f s)" % (name, time.monotonic() - t0), flush=True)
    print("system: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
