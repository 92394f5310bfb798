/* AVX2 arithmetic over Goldilocks p = 2^64 - 2^32 + 1, four lanes per vector, shared by CGoldilocks' kernels
 * (internal header). A 64x64-bit product is built from four 32x32 multiplies and reduced with
 * 2^64 = 2^32 - 1 (mod p) and 2^96 = -1 (mod p). Unsigned comparisons use the sign-flipped ("shifted") form
 * x ^ 2^63, which orders like signed integers; keeping the running value shifted saves the flips. */
#ifndef CGOLDILOCKS_AVX2_H
#define CGOLDILOCKS_AVX2_H
#include <immintrin.h>
#include <stdint.h>

#define GOLDILOCKS_P 0xFFFFFFFF00000001ULL
#define EPSILON 0xFFFFFFFFULL
#define SIGN_BIT 0x8000000000000000ULL
#define AVX2 __attribute__((target("avx2")))
#define AVX2_INLINE __attribute__((target("avx2"), always_inline)) static inline

int goldilocks_has_avx2(void);

/* goldilocks_has_avx2(), asked once per translation unit. */
static inline int avx2_available(void) {
    static _Atomic int cached = -1;
    int value = cached;
    if (value < 0) cached = value = goldilocks_has_avx2();
    return value;
}

/* (low + 2^64·high) mod p, canonical (scalar): low + 2^64·high = low - high_hi + high_lo·(2^32 - 1). */
static inline uint64_t reduce_scalar(uint64_t low, uint64_t high) {
    uint64_t high_hi = high >> 32, high_lo = high & EPSILON;
    uint64_t t0 = low - high_hi;
    if (low < high_hi) t0 -= EPSILON;
    uint64_t t1 = (high_lo << 32) - high_lo;
    uint64_t r = t0 + t1;
    if (r < t1) r += EPSILON;
    return r >= GOLDILOCKS_P ? r - GOLDILOCKS_P : r;
}

AVX2_INLINE __m256i splat(uint64_t value) { return _mm256_set1_epi64x((long long)value); }
AVX2_INLINE __m256i load(const uint64_t *at) { return _mm256_loadu_si256((const __m256i *)at); }
AVX2_INLINE void store(uint64_t *at, __m256i value) { _mm256_storeu_si256((__m256i *)at, value); }

/* All-ones lanes where a < b (unsigned). */
AVX2_INLINE __m256i less_than(__m256i a, __m256i b) {
    const __m256i sign = splat(SIGN_BIT);
    return _mm256_cmpgt_epi64(_mm256_xor_si256(b, sign), _mm256_xor_si256(a, sign));
}

/* The 128-bit products x·y as (low, high) for any x, y < 2^64; y_high = y >> 32 (precomputed for constants). */
AVX2_INLINE void product(__m256i x, __m256i y, __m256i y_high, __m256i *low, __m256i *high) {
    const __m256i low32 = splat(EPSILON);
    __m256i x_high = _mm256_srli_epi64(x, 32);
    __m256i ll = _mm256_mul_epu32(x, y);
    __m256i lh = _mm256_mul_epu32(x, y_high);
    __m256i hl = _mm256_mul_epu32(x_high, y);
    __m256i hh = _mm256_mul_epu32(x_high, y_high);
    __m256i middle = _mm256_add_epi64(hl, _mm256_srli_epi64(ll, 32));
    __m256i cross = _mm256_add_epi64(lh, _mm256_and_si256(middle, low32));
    *low = _mm256_blend_epi32(ll, _mm256_slli_epi64(cross, 32), 0xAA);
    *high = _mm256_add_epi64(hh, _mm256_add_epi64(_mm256_srli_epi64(middle, 32), _mm256_srli_epi64(cross, 32)));
}

/* A lazily reduced sum of 128-bit products: low + 2^64·high + 2^128·carries, with low and high kept shifted (x ^ 2^63)
 * so that each carry is one signed compare. Products are summed exactly and reduced once (`wide_reduce`). */
typedef struct {
    __m256i low_s, high_s, carries;
} wide_sum;

/* The sum holding the one product low + 2^64·high. */
AVX2_INLINE wide_sum wide_start(__m256i low, __m256i high) {
    const __m256i sign = splat(SIGN_BIT);
    return (wide_sum){_mm256_xor_si256(low, sign), _mm256_xor_si256(high, sign), _mm256_setzero_si256()};
}

/* sum += low + 2^64·high, where (low, high) is a product of two 64-bit values, so high <= 2^64 - 2 and the carry out
 * of the low words can be added to high without wrapping; a wrap of the high words is counted in `carries`. */
AVX2_INLINE wide_sum wide_add(wide_sum sum, __m256i low, __m256i high) {
    __m256i low_s = _mm256_add_epi64(sum.low_s, low);
    high = _mm256_sub_epi64(high, _mm256_cmpgt_epi64(sum.low_s, low_s)); /* + 1 where the low words carried */
    __m256i high_s = _mm256_add_epi64(sum.high_s, high);
    __m256i carries = _mm256_sub_epi64(sum.carries, _mm256_cmpgt_epi64(sum.high_s, high_s));
    return (wide_sum){low_s, high_s, carries};
}

/* sum += x·w (w_high = w >> 32). */
AVX2_INLINE wide_sum wide_multiply_add(wide_sum sum, __m256i x, __m256i w, __m256i w_high) {
    __m256i low, high;
    product(x, w, w_high, &low, &high);
    return wide_add(sum, low, high);
}

/* The sum mod p, canonical, for carries < 2^31: as `reduce`, with 2^128 = -2^32 (mod p), so the carries join the
 * subtracted high_hi as carries·2^32 + high_hi < 2^63 (a borrow leaves at least 2^63 > 2^32 - 1 to subtract from). */
AVX2_INLINE __m256i wide_reduce(wide_sum sum) {
    const __m256i sign = splat(SIGN_BIT);
    __m256i high = _mm256_xor_si256(sum.high_s, sign);
    __m256i subtrahend = _mm256_add_epi64(_mm256_srli_epi64(high, 32), _mm256_slli_epi64(sum.carries, 32));
    __m256i t0_s = _mm256_sub_epi64(sum.low_s, subtrahend);
    t0_s = _mm256_sub_epi64(t0_s, _mm256_srli_epi64(_mm256_cmpgt_epi64(t0_s, sum.low_s), 32));
    __m256i t1 = _mm256_mul_epu32(high, splat(EPSILON));
    __m256i r_s = _mm256_add_epi64(t0_s, t1);
    r_s = _mm256_add_epi64(r_s, _mm256_srli_epi64(_mm256_cmpgt_epi64(t0_s, r_s), 32));
    __m256i at_least_p = _mm256_cmpgt_epi64(r_s, splat((GOLDILOCKS_P - 1) ^ SIGN_BIT));
    r_s = _mm256_sub_epi64(r_s, _mm256_and_si256(at_least_p, splat(GOLDILOCKS_P)));
    return _mm256_xor_si256(r_s, sign);
}

/* (low + 2^64·high) mod p, canonical, for any 128-bit value: `wide_reduce` of the one-product sum (its zero carry
 * term and the double sign flips fold away when inlined). low + 2^64·high = low - high_hi + high_lo·(2^32 - 1)
 * (mod p); a borrow (adds 2^64) is undone by subtracting 2^32 - 1, a carry (drops 2^64) by adding it. */
AVX2_INLINE __m256i reduce(__m256i low, __m256i high) { return wide_reduce(wide_start(low, high)); }

/* x·w mod p for any x < 2^64 and w < 2^64 (w_high = w >> 32); the result is canonical. */
AVX2_INLINE __m256i multiply(__m256i x, __m256i w, __m256i w_high) {
    __m256i low, high;
    product(x, w, w_high, &low, &high);
    return reduce(low, high);
}

/* (a + b) mod p for canonical a, b, given a_s = a ^ 2^63; canonical. A carry out of 64 bits means the true sum is
 * s + 2^64 = s + p + (2^32 - 1), so in both cases (carry, or s >= p) the answer is s - p modulo 2^64. */
AVX2_INLINE __m256i add_mod_shifted(__m256i a_s, __m256i b) {
    __m256i s_s = _mm256_add_epi64(a_s, b);
    __m256i carry = _mm256_cmpgt_epi64(a_s, s_s);
    __m256i at_least_p = _mm256_cmpgt_epi64(s_s, splat((GOLDILOCKS_P - 1) ^ SIGN_BIT));
    s_s = _mm256_sub_epi64(s_s, _mm256_and_si256(_mm256_or_si256(carry, at_least_p), splat(GOLDILOCKS_P)));
    return _mm256_xor_si256(s_s, splat(SIGN_BIT));
}

/* (a + b) mod p for canonical a, b; canonical. */
AVX2_INLINE __m256i add_mod_avx2(__m256i a, __m256i b) {
    return add_mod_shifted(_mm256_xor_si256(a, splat(SIGN_BIT)), b);
}

/* (a - b) mod p for canonical a, b; canonical. */
AVX2_INLINE __m256i sub_mod_avx2(__m256i a, __m256i b) {
    return _mm256_add_epi64(_mm256_sub_epi64(a, b), _mm256_and_si256(less_than(a, b), splat(GOLDILOCKS_P)));
}

/* -a mod p for canonical a: p - a, and 0 stays 0. */
AVX2_INLINE __m256i neg_mod_avx2(__m256i a) {
    __m256i zero = _mm256_cmpeq_epi64(a, _mm256_setzero_si256());
    return _mm256_andnot_si256(zero, _mm256_sub_epi64(splat(GOLDILOCKS_P), a));
}

#endif
