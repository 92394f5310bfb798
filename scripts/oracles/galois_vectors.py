#!/usr/bin/env python3
"""Independent test vectors for the Swift Algebra module, computed with the `galois` package.

Prints JSON: field products/inverses/square-roots, Lagrange interpolations, negacyclic products and the
evaluations a negacyclic NTT must produce (values at the odd powers of a primitive 2N-th root psi = 7^((p-1)/2N)).
Usage: galois_vectors.py [seed]
"""
import json
import random
import sys

try:
    import galois
    import numpy as np
except ImportError as error:  # the Swift test reports this message
    sys.exit(f"galois_vectors.py needs the galois package (pip install galois): {error}")

P = 2**64 - 2**32 + 1
GF = galois.GF(P, primitive_element=7, verify=False)
rng = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 1)


def rand(count):
    return [rng.randrange(P) for _ in range(count)]


def ints(array):
    return [int(v) for v in np.atleast_1d(array)]


out = {}
a, b = rand(200), rand(200)
a[:4] = [0, 1, P - 1, 2**32]
b[:4] = [P - 1, P - 1, P - 1, 2**32]
out["products"] = {"a": a, "b": b, "product": ints(GF(a) * GF(b)), "sum": ints(GF(a) + GF(b)),
                   "difference": ints(GF(a) - GF(b))}
nonzero = [v for v in a if v != 0]
out["inverses"] = {"a": nonzero, "inverse": ints(GF(nonzero) ** -1)}
squares = ints(GF(rand(50)) ** 2)
out["squares"] = squares
out["nonSquares"] = [v for v in rand(100) if not GF(v).is_square][:20]

interpolations = []
for count in (1, 2, 5, 13):
    xs = rng.sample(range(1, 1000), count)
    ys = rand(count)
    poly = galois.lagrange_poly(GF(xs), GF(ys))
    coefficients = ints(poly.coeffs[::-1])  # ascending
    interpolations.append({"xs": xs, "ys": ys, "coefficients": coefficients})
out["interpolations"] = interpolations

divisions = []
for degree_a, degree_b in ((10, 3), (5, 5), (3, 7)):
    pa, pb = rand(degree_a + 1), rand(degree_b + 1)
    pb[-1] = pb[-1] or 1
    q, r = divmod(galois.Poly(pa[::-1], field=GF), galois.Poly(pb[::-1], field=GF))
    divisions.append({"a": pa, "b": pb, "quotient": ints(q.coeffs[::-1]), "remainder": ints(r.coeffs[::-1])})
out["divisions"] = divisions

ntts = []
for size in (2, 8, 64, 512):
    x, y = rand(size), rand(size)
    modulus = galois.Poly([1] + [0] * (size - 1) + [1], field=GF)  # X^N + 1
    product = (galois.Poly(x[::-1], field=GF) * galois.Poly(y[::-1], field=GF)) % modulus
    coefficients = ints(product.coeffs[::-1]) + [0] * size
    psi = GF(7) ** ((P - 1) // (2 * size))
    points = psi ** (2 * np.arange(size) + 1)
    evaluations = ints(galois.Poly(x[::-1], field=GF)(points))
    ntts.append({"size": size, "x": x, "y": y, "negacyclicProduct": coefficients[:size],
                 "evaluations": evaluations})
out["ntts"] = ntts
json.dump(out, sys.stdout)
