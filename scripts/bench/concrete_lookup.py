#!/usr/bin/env python3
"""One encrypted 4-bit table lookup (one PBS) in concrete-python with its default parameters.

Used by `kms-bench fhe` to compare with our KS-PBS. Compiles the circuit, generates keys, then times
`circuit.run` (server-side evaluation only, as our KS-PBS figure) several times and prints the median.
Output: one line `CONCRETE_RESULT {json}` (machine-readable); errors: `CONCRETE_ERROR <message>`, exit 2.
Usage: concrete_lookup.py [--repeat N] [--p-error P]   (set OMP_NUM_THREADS=1 RAYON_NUM_THREADS=1 for one thread)
--p-error P: ask concrete's optimizer for failure probability P per table lookup instead of its default (to
compare at the failure probability of our parameter set).
"""
import json
import statistics
import sys
import time


def main() -> int:
    repeats = 10
    if "--repeat" in sys.argv:
        repeats = max(1, int(sys.argv[sys.argv.index("--repeat") + 1]))
    try:
        import concrete
        from concrete import fhe
    except ImportError as error:
        print(f"CONCRETE_ERROR concrete-python is not installed ({error}); bash scripts/install-bench-deps.sh")
        return 2

    table_values = [(3 * x + 1) % 16 for x in range(16)]
    table = fhe.LookupTable(table_values)

    @fhe.compiler({"x": "encrypted"})
    def lookup(x):
        return table[x]

    options = {}
    if "--p-error" in sys.argv:
        options = {"p_error": float(sys.argv[sys.argv.index("--p-error") + 1]), "global_p_error": None}
    configuration = fhe.Configuration(dataflow_parallelize=False, loop_parallelize=False, auto_parallelize=False,
                                      **options)
    start = time.perf_counter()
    circuit = lookup.compile(range(16), configuration)
    compile_seconds = time.perf_counter() - start
    start = time.perf_counter()
    circuit.keygen(force=True)
    keygen_seconds = time.perf_counter() - start

    times = []
    cpu_times = []
    wrong = 0
    for run in range(repeats + 1):
        x = run % 16
        encrypted = circuit.encrypt(x)
        start = time.perf_counter()
        cpu_start = time.thread_time()
        result = circuit.run(encrypted)
        cpu_elapsed = time.thread_time() - cpu_start
        elapsed = time.perf_counter() - start
        if circuit.decrypt(result) != table_values[x]:
            wrong += 1
        if run > 0:  # first run warms up caches and lazy initialisation
            times.append(elapsed)
            cpu_times.append(cpu_elapsed)

    statistics_info = {}
    for name in ("programmable_bootstrap_count", "key_switch_count", "clear_addition_count",
                 "encrypted_negation_count", "global_p_error", "p_error", "complexity"):
        try:
            value = getattr(circuit, name)
            statistics_info[name] = value if isinstance(value, (int, float)) else str(value)
        except Exception:  # attribute differs between versions; report only what exists
            pass
    parameters = {}
    try:
        keys = circuit.client.specs.program_info.get_keyset_info()
        bsk = keys.bootstrap_keys()[0]
        parameters = {
            "polynomial_size": bsk.polynomial_size(),
            "glwe_dimension": bsk.glwe_dimension(),
            "pbs_levels": bsk.level(),
            "pbs_base_log": bsk.base_log(),
            "input_lwe_dimension": bsk.input_lwe_dimension(),
            "p_error": getattr(circuit, "p_error", None),
        }
    except Exception:
        pass
    output = {
        "version": getattr(concrete, "__version__", None) or getattr(fhe, "__version__", "unknown"),
        "median_ms": statistics.median(times) * 1e3,
        "min_ms": min(times) * 1e3,
        "median_thread_cpu_ms": statistics.median(cpu_times) * 1e3,
        "repeats": repeats,
        "wrong": wrong,
        "compile_s": compile_seconds,
        "keygen_s": keygen_seconds,
        "statistics": statistics_info,
        "parameters": parameters,
    }
    print("CONCRETE_RESULT " + json.dumps(output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
