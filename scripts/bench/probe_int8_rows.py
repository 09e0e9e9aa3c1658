#!/usr/bin/env python3
"""How the cost of one decoding step's largest product grows with its rows: the
250k-row output layer of mT5-base (250112 x 768) times 1 to 32 rows (one per beam of
each article decoded together), through every int8 or 16-bit kernel libtorch 2.4.0
(the library the Rust engine runs on) offers on the CPU:

* fbgemm: `fbgemm_linear_int8_weight_fp32_activation` on fbgemm's packed int8 weights
  (what `--precision int8` runs), including the rescale by the per-row weight scales;
* onednn-int8: `torch._int_mm` (int8 x int8 -> int32, oneDNN: AMX-INT8 where the CPU
  has it), including quantizing the rows per token and rescaling the result;
* bf16: `linear` in bfloat16 (oneDNN: AMX-BF16 where present);
* weight-only-int8: `torch._weight_int8pack_mm` with bfloat16 rows.

    python scripts/bench/probe_int8_rows.py [--threads 2] [--rows 1,2,4,8,16,32] [--repeat 10]

Prints a Markdown table of milliseconds per product (best of --repeat after one
warm-up) and the bandwidth-bound floor: the int8 weights (192 MB) read once at the
rate the 1-row fbgemm product reaches. Weights are random: speed only.
"""

import argparse
import platform
import time

import torch

VOCAB, D_MODEL = 250112, 768


def best_ms(fn, repeat):
    fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best * 1e3


def cpu_name():
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rows", default="1,2,4,8,16,32")
    p.add_argument("--repeat", type=int, default=10)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    weight = torch.randn(VOCAB, D_MODEL)
    scale = weight.abs().amax(1) / 127
    q = (weight / scale[:, None]).round().clamp(-127, 127).to(torch.int8)
    packed = torch.ops.aten.fbgemm_pack_quantized_matrix(q)
    row_sums = q.sum(1, dtype=torch.int32)
    zero_bias = torch.zeros(VOCAB)
    shape_only = torch.zeros(1, 1, dtype=torch.int8).expand(VOCAB, D_MODEL)
    weight_bf16 = weight.to(torch.bfloat16)
    scale_bf16 = scale.to(torch.bfloat16)
    del weight

    def fbgemm(x):
        m = x.abs().amax(1, keepdim=True).clamp_min(1e-12)
        out = torch.ops.aten.fbgemm_linear_int8_weight_fp32_activation(
            x / m, shape_only, packed, row_sums, 1.0 / 127, 0, zero_bias)
        return out.mul_(scale * 127).mul_(m)

    def onednn_int8(x):
        m = x.abs().amax(1, keepdim=True).clamp_min(1e-12) / 127
        xq = (x / m).round_().to(torch.int8)
        return torch._int_mm(xq, q.t()).to(torch.float).mul_(m).mul_(scale)

    kernels = {
        "fbgemm": fbgemm,
        "onednn-int8": onednn_int8,
        "bf16": lambda x: torch.nn.functional.linear(x.to(torch.bfloat16), weight_bf16),
        "weight-only-int8": lambda x: torch._weight_int8pack_mm(x.to(torch.bfloat16), q, scale_bf16),
    }
    rows = [int(r) for r in args.rows.split(",") if r]
    results = {name: {} for name in kernels}
    for r in rows:
        x = torch.randn(r, D_MODEL)
        for name, kernel in kernels.items():
            results[name][r] = best_ms(lambda: kernel(x), args.repeat)
    floor = VOCAB * D_MODEL / 1e6 / results["fbgemm"][rows[0]] if rows[0] == 1 else None
    print(f"{cpu_name()}, torch {torch.__version__}, {args.threads} threads, best of {args.repeat}, ms per product "
          f"of [rows, {D_MODEL}] by the [{VOCAB}, {D_MODEL}] output layer:\n")
    print("| kernel | " + " | ".join(f"{r} rows" for r in rows) + " |")
    print("|---|" + "---:|" * len(rows))
    for name in kernels:
        print(f"| {name} | " + " | ".join(f"{results[name][r]:.1f}" for r in rows) + " |")
    if floor:
        print(f"\nfbgemm reads the int8 weights at {floor:.1f} GB/s with one row; at that rate every row count "
              f"could take {results['fbgemm'][1]:.1f} ms.")


if __name__ == "__main__":
    main()
