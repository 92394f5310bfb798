#!/usr/bin/env python3
"""Failure probability of one bootstrap (PBS, then KS, then the modulus switch of the next PBS) for keys whose
noise is a PRSS-mask (docs/KEYGEN.md): the key-noise terms of the noise model of docs/FHE_PARAMETERS.md
(Sources/FHEKeys/NoiseModel.swift) are multiplied by C(n, t), the number of PRSS subsets whose uniform terms
are summed, each as wide as the centralized TUniform(b). Prints one row per (n, t) and parameter set."""
import math

P = 2**64 - 2**32 + 1
SETS = {
    "production": dict(n=918, k=1, N=2048, pbs_base=23, pbs_levels=1, ks_base=4, ks_levels=4, lwe_noise=45, glwe_noise=17, bits=5),
    "test": dict(n=32, k=1, N=512, pbs_base=23, pbs_levels=1, ks_base=4, ks_levels=4, lwe_noise=30, glwe_noise=10, bits=5),
}


def tuniform(b):
    width = 2 ** (b + 1) + 1
    return (width * width - 1) / 12


def digit(base):
    return ((2**base) ** 2 + 2) / 12


def truncation(base, levels):
    return (P / 2 ** (base * levels)) ** 2 / 12


def failure_log2(s, subsets):
    kN = s["k"] * s["N"]
    ks = kN * s["ks_levels"] * digit(s["ks_base"]) * tuniform(s["lwe_noise"]) * subsets + kN / 2 * truncation(s["ks_base"], s["ks_levels"])
    rows = (s["k"] + 1) * s["pbs_levels"]
    pbs = s["n"] * rows * s["N"] * digit(s["pbs_base"]) * tuniform(s["glwe_noise"]) * subsets \
        + s["n"] / 2 * (1 + kN / 2) * truncation(s["pbs_base"], s["pbs_levels"])
    ms = (s["n"] / 2 + 1) / 12 * (P / (2 * s["N"])) ** 2
    std = math.sqrt(ks + pbs + ms)
    margin = (P / 2 ** s["bits"]) / 2
    z = margin / std
    p = math.erfc(z / math.sqrt(2))
    return math.log2(std), z, (math.log2(p) if p > 0 else -math.inf)


if __name__ == "__main__":
    print("| parameters | (n, t) | C(n, t) | std at the PBS input | margin/std | failure per PBS |")
    print("|---|---|---|---|---|---|")
    for name, s in SETS.items():
        for n, t in [(1, 0), (4, 1), (7, 2), (10, 3), (13, 4)]:
            subsets = math.comb(n, t)
            log_std, z, log_p = failure_log2(s, subsets)
            label = "centralized" if n == 1 else f"({n}, {t})"
            print(f"| {name} | {label} | {subsets} | 2^{log_std:.2f} | {z:.2f} | 2^{log_p:.1f} |")
