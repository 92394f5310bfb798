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


def input_variance(s, ks_factor, bsk_factor, multi_bit):
    """Variance at the PBS input in units of the 2N step: KS + PBS + one zero of the noise reduction
    (NoiseModel.modulusSwitchInputVariance), with the keys' noise variances scaled by the given factors."""
    kN = s["k"] * s["N"]
    ks = kN * s["ks_levels"] * digit(s["ks_base"]) * tuniform(s["lwe_noise"]) * ks_factor + kN / 2 * truncation(s["ks_base"], s["ks_levels"])
    rows = (s["k"] + 1) * s["pbs_levels"]
    key_term = s["n"] * rows * s["N"] * digit(s["pbs_base"]) * tuniform(s["glwe_noise"]) * bsk_factor
    trunc_term = s["n"] / 2 * (1 + kN / 2) * truncation(s["pbs_base"], s["pbs_levels"])
    pbs = 3 * key_term + 1.5 * trunc_term if multi_bit else key_term + trunc_term
    step = P / (2 * s["N"])
    return (ks + pbs + tuniform(s["lwe_noise"])) / step**2


def budget(s, multi_bit):
    """NoiseModel.modulusSwitchInputVarianceBudget: the bootstrapping key's noise 21 times, at least 1 % slack."""
    return max(input_variance(s, 1, 21, multi_bit), 1.01 * input_variance(s, 1, 1, multi_bit))


def sources(s, subsets, multi_bit):
    """KeyGenNoiseSources.required: PRSS-masks where they fit the budget, else the KSK from bits, else both."""
    b = budget(s, multi_bit)
    if input_variance(s, subsets, subsets, multi_bit) <= b:
        return "none", subsets, subsets
    if input_variance(s, 1, subsets, multi_bit) <= b:
        return "KSK", 1, subsets
    return "KSK + BSK", 1, 1


def failure_log2(s, subsets):
    """All noise as PRSS-masks, plain modulus switch (the table of the first DKG)."""
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


def noise_bits(s, which, multi_bit):
    """Shared bits the exact noise costs: b + 2 per sample."""
    kN = s["k"] * s["N"]
    bits = 0
    if "KSK" in which:
        bits += kN * s["ks_levels"] * (s["lwe_noise"] + 2)
    if "BSK" in which:
        rows = (s["k"] + 1) * s["pbs_levels"]
        bodies = (s["n"] // 2) * 3 * rows * s["N"] if multi_bit else s["n"] * rows * s["N"]
        bits += bodies * (s["glwe_noise"] + 2)
    products = s["n"] * kN * (1.5 if multi_bit else 1)
    return bits, products


if __name__ == "__main__":
    print("All noise as PRSS-masks, plain modulus switch (before issue 13):")
    print("| parameters | (n, t) | C(n, t) | std at the PBS input | margin/std | failure per PBS |")
    print("|---|---|---|---|---|---|")
    for name, s in SETS.items():
        for n, t in [(1, 0), (4, 1), (7, 2), (10, 3), (13, 4)]:
            subsets = math.comb(n, t)
            log_std, z, log_p = failure_log2(s, subsets)
            label = "centralized" if n == 1 else f"({n}, {t})"
            print(f"| {name} | {label} | {subsets} | 2^{log_std:.2f} | {z:.2f} | 2^{log_p:.1f} |")
    print()
    print("Noise sources the DKG picks (KeyGenNoiseSources.required), input variance against the noise reduction's budget:")
    print("| parameters | key | (n, t) | C(n, t) | from shared bits | V_in (steps²) | budget | all PRSS would be | extra bits (vs products) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, s in SETS.items():
        for multi_bit in (False, True):
            for n, t in [(4, 1), (7, 2), (10, 3), (13, 4)]:
                subsets = math.comb(n, t)
                which, ks_f, bsk_f = sources(s, subsets, multi_bit)
                v = input_variance(s, ks_f, bsk_f, multi_bit)
                bits, products = noise_bits(s, which, multi_bit)
                key = "multi-bit" if multi_bit else "classic"
                print(f"| {name} | {key} | ({n}, {t}) | {subsets} | {which} | {v:.4g} | {budget(s, multi_bit):.4g} | "
                      f"{input_variance(s, subsets, subsets, multi_bit):.4g} | {bits:,} ({bits / products:.2f}×) |")
