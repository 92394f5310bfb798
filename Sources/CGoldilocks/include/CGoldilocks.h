/* Vectorised kernels for the Goldilocks field p = 2^64 - 2^32 + 1 (Algebra's NegacyclicNTT uses them when the
 * CPU has AVX2; the portable Swift code is the reference and the fallback). */
#ifndef CGOLDILOCKS_H
#define CGOLDILOCKS_H
#include <stddef.h>
#include <stdint.h>

/* 1 if this CPU runs the AVX2 kernels, else 0. */
int goldilocks_has_avx2(void);

/* Forward negacyclic NTT in place, exactly as NegacyclicNTT.forward: Cooley-Tukey with twiddles[i] =
 * psi^bitreverse(i), input canonical, output canonical in bit-reversed order. n is a power of two >= 8.
 * Only call when goldilocks_has_avx2() returned 1. */
void goldilocks_ntt_forward_avx2(uint64_t *values, const uint64_t *twiddles, size_t n);

/* Inverse negacyclic NTT in place, exactly as NegacyclicNTT.inverse: Gentleman-Sande with inverse_twiddles[i] =
 * psi^-bitreverse(i), canonical bit-reversed input, canonical coefficients out, scaled by size_inverse = N^-1
 * (folded into the last stage with scaled_zeta = inverse_twiddles[1] * N^-1). n is a power of two >= 8. */
void goldilocks_ntt_inverse_avx2(uint64_t *values, const uint64_t *inverse_twiddles, size_t n,
                                 uint64_t size_inverse, uint64_t scaled_zeta);

#endif
