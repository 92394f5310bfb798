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
 * twiddle_shifts[i] for i < min(n, 64): e when twiddles[i] = 2^e, 64 + e when it is -2^e (0 <= e < 64), else -1;
 * those twiddles multiply by shifts. Only call when goldilocks_has_avx2() returned 1. */
void goldilocks_ntt_forward_avx2(uint64_t *values, const uint64_t *twiddles, const int8_t *twiddle_shifts,
                                 size_t n);

/* Inverse negacyclic NTT in place, exactly as NegacyclicNTT.inverse: Gentleman-Sande with inverse_twiddles[i] =
 * psi^-bitreverse(i), canonical bit-reversed input, canonical coefficients out, scaled by size_inverse = N^-1
 * (folded into the last stage with scaled_zeta = inverse_twiddles[1] * N^-1). n is a power of two >= 8.
 * twiddle_shifts describes inverse_twiddles as in goldilocks_ntt_forward_avx2. size_inverse = 1 with
 * scaled_zeta = inverse_twiddles[1] gives N times the inverse, without the scaling products. */
void goldilocks_ntt_inverse_avx2(uint64_t *values, const uint64_t *inverse_twiddles, const int8_t *twiddle_shifts,
                                 size_t n, uint64_t size_inverse, uint64_t scaled_zeta);

/* Blind-rotation helpers (TFHE external product around the NTTs), AVX2 when the CPU has it, else scalar; all
 * values canonical, arrays of n words.
 * digits[j·n + t] receives level j+1 (most significant first) of coefficient t, as a field element. */

/* Balanced gadget digits (base 2^base_log, `levels` levels, base_log·levels <= 31) of each source coefficient. */
void goldilocks_decompose(const uint64_t *source, size_t n, unsigned base_log, unsigned levels, uint64_t *digits);

/* Digits of X^shift·source - source in Z_p[X]/(X^n + 1), 0 < shift < 2n. */
void goldilocks_rotate_subtract_decompose(const uint64_t *source, size_t n, size_t shift, unsigned base_log,
                                          unsigned levels, uint64_t *digits);

/* output[m·n + t] = sum over row < rows of digits[row·n + t] · key[(row·columns + m)·n + t] (mod p), for
 * m < columns. `prefetch` (or NULL) is the next key block, of the same shape, to pull into cache meanwhile: the
 * bootstrapping key is far larger than the caches and the blind rotation reads it once, in order. */
void goldilocks_multiply_accumulate(const uint64_t *digits, size_t rows, const uint64_t *key, size_t columns,
                                    size_t n, uint64_t *output, const uint64_t *prefetch);

/* accumulator[t] += values[t] (mod p) for t < count. */
void goldilocks_add_assign(uint64_t *accumulator, const uint64_t *values, size_t count);

/* The multi-bit blind rotation's NTT-domain step (one group): output[m·n + t] = sum over row < rows of
 * digits[row·n + t] · combined[row·columns + m][t] (mod p) for m < columns, where the group's GGSW, combined with
 * the monomials X^(e_p) - 1 and never stored, is combined[c][t] = sum over p < patterns of
 * (powers[(exponents[p]·orders[t]) mod 2n] - 1) · key[(p·rows·columns + c)·n + t]. powers[m] = zeta^m for m < 2n
 * (zeta a primitive 2n-th root of unity) and orders[t] < 2n with the forward NTT of X equal to powers[orders[t]] at
 * index t; exponents[p] < 2n. 1 <= patterns <= GOLDILOCKS_MULTIBIT_MAX_PATTERNS and 1 <= rows < 2^31 (nothing is
 * written otherwise). `prefetch` (or NULL) is the next group's key block of the same shape. */
#define GOLDILOCKS_MULTIBIT_MAX_PATTERNS 7
void goldilocks_multibit_multiply_accumulate(const uint64_t *digits, size_t rows, const uint64_t *key,
                                             size_t patterns, const size_t *exponents, size_t columns, size_t n,
                                             const uint64_t *powers, const uint32_t *orders, uint64_t *output,
                                             const uint64_t *prefetch);

/* Key switching's mask: mask[t] = -sum over r < row_count of digits[r]·rows[r·n + t] (mod p), with digits in
 * [-127, 127] (the key switch subtracts sum d·KSK). scratch holds 4·n words. Returns 0, or -1 (nothing written to
 * mask) when row_count >= 2^25, where the exact 64-bit partial sums could overflow. */
int goldilocks_key_switch_mask(const uint64_t *rows, size_t row_count, size_t n, const int8_t *digits,
                               uint64_t *mask, uint64_t *scratch);

#endif
