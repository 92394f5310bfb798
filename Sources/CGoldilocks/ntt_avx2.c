/* AVX2 forward negacyclic NTT over Goldilocks, four butterflies per vector. A 64x64-bit product is built from
 * four 32x32 multiplies and reduced with 2^64 = 2^32 - 1 (mod p), 2^96 = -1 (mod p). Between stages values stay
 * in [0, 2^64) (lazy); each twiddle product is canonical, so a sum's carry or a difference's borrow is fixed by
 * one +-(2^32 - 1). The last stage makes every value canonical. */
#include "CGoldilocks.h"
#include <immintrin.h>

#define GOLDILOCKS_P 0xFFFFFFFF00000001ULL
#define EPSILON 0xFFFFFFFFULL
#define AVX2 __attribute__((target("avx2")))
#define AVX2_INLINE __attribute__((target("avx2"), always_inline)) static inline

int goldilocks_has_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? 1 : 0;
}

/* All-ones lanes where a < b (unsigned), via the sign-flipped signed compare. */
AVX2_INLINE __m256i less_than(__m256i a, __m256i b) {
    const __m256i sign = _mm256_set1_epi64x((long long)0x8000000000000000ULL);
    return _mm256_cmpgt_epi64(_mm256_xor_si256(b, sign), _mm256_xor_si256(a, sign));
}

/* x * w mod p for any x < 2^64 and canonical w (w_high = w >> 32); the result is canonical. */
AVX2_INLINE __m256i multiply(__m256i x, __m256i w, __m256i w_high) {
    const __m256i low32 = _mm256_set1_epi64x((long long)EPSILON);
    const __m256i p = _mm256_set1_epi64x((long long)GOLDILOCKS_P);
    __m256i x_high = _mm256_srli_epi64(x, 32);
    __m256i ll = _mm256_mul_epu32(x, w);
    __m256i lh = _mm256_mul_epu32(x, w_high);
    __m256i hl = _mm256_mul_epu32(x_high, w);
    __m256i hh = _mm256_mul_epu32(x_high, w_high);
    __m256i middle = _mm256_add_epi64(hl, _mm256_srli_epi64(ll, 32));
    __m256i cross = _mm256_add_epi64(lh, _mm256_and_si256(middle, low32));
    __m256i low = _mm256_or_si256(_mm256_slli_epi64(cross, 32), _mm256_and_si256(ll, low32));
    __m256i high = _mm256_add_epi64(hh, _mm256_add_epi64(_mm256_srli_epi64(middle, 32), _mm256_srli_epi64(cross, 32)));
    /* low + 2^64 * high = low - high_hi + high_lo * (2^32 - 1)  (mod p) */
    __m256i high_hi = _mm256_srli_epi64(high, 32);
    __m256i high_lo = _mm256_and_si256(high, low32);
    __m256i t0 = _mm256_sub_epi64(low, high_hi);
    t0 = _mm256_sub_epi64(t0, _mm256_and_si256(less_than(low, high_hi), low32));
    __m256i t1 = _mm256_sub_epi64(_mm256_slli_epi64(high_lo, 32), high_lo);
    __m256i r = _mm256_add_epi64(t0, t1);
    r = _mm256_add_epi64(r, _mm256_and_si256(less_than(r, t1), low32));
    return _mm256_sub_epi64(r, _mm256_andnot_si256(less_than(r, p), p));
}

/* u + t and u - t (mod p, lazily reduced) for canonical t. */
AVX2_INLINE void butterfly(__m256i u, __m256i t, __m256i *sum, __m256i *difference) {
    const __m256i low32 = _mm256_set1_epi64x((long long)EPSILON);
    __m256i s = _mm256_add_epi64(u, t);
    *sum = _mm256_add_epi64(s, _mm256_and_si256(less_than(s, u), low32));
    __m256i d = _mm256_sub_epi64(u, t);
    *difference = _mm256_sub_epi64(d, _mm256_and_si256(less_than(u, t), low32));
}

/* Twiddle lanes for a length-2 stage ([a0, a1, a4, a5] against [a2, a3, a6, a7]): [z0, z0, z1, z1]. */
AVX2_INLINE __m256i length2_twiddles(const uint64_t *z) {
    return _mm256_setr_epi64x((long long)z[0], (long long)z[0], (long long)z[1], (long long)z[1]);
}

AVX2_INLINE __m256i load(const uint64_t *at) { return _mm256_loadu_si256((const __m256i *)at); }
AVX2_INLINE void store(uint64_t *at, __m256i value) { _mm256_storeu_si256((__m256i *)at, value); }

AVX2 void goldilocks_ntt_forward_avx2(uint64_t *values, const uint64_t *twiddles, size_t n) {
    size_t k = 1;
    for (size_t length = n >> 1; length >= 4; length >>= 1) {
        for (size_t start = 0; start < n; start += 2 * length) {
            uint64_t zeta = twiddles[k++];
            __m256i w = _mm256_set1_epi64x((long long)zeta), w_high = _mm256_set1_epi64x((long long)(zeta >> 32));
            uint64_t *x = values + start, *y = values + start + length;
            for (size_t j = 0; j < length; j += 4) {
                __m256i u = load(x + j);
                __m256i t = multiply(load(y + j), w, w_high);
                __m256i s, d;
                butterfly(u, t, &s, &d);
                store(x + j, s);
                store(y + j, d);
            }
        }
    }
    /* The last two stages in one pass over each 8 values. Length 2: lanes [a0, a1, a4, a5] against
     * [a2, a3, a6, a7], twiddles [z0, z0, z1, z1]; length 1: lanes [a0, a2, a4, a6] against [a1, a3, a5, a7],
     * four consecutive twiddles; then every value is made canonical. */
    const __m256i p = _mm256_set1_epi64x((long long)GOLDILOCKS_P);
    const uint64_t *twiddles2 = twiddles + (n >> 2), *twiddles1 = twiddles + (n >> 1);
    for (size_t start = 0; start < n; start += 8) {
        __m256i a = load(values + start), b = load(values + start + 4);
        __m256i w = length2_twiddles(twiddles2 + start / 4);
        __m256i t = multiply(_mm256_permute2x128_si256(a, b, 0x31), w, _mm256_srli_epi64(w, 32));
        __m256i s, d;
        butterfly(_mm256_permute2x128_si256(a, b, 0x20), t, &s, &d);
        w = load(twiddles1 + start / 2);
        t = multiply(_mm256_unpackhi_epi64(s, d), w, _mm256_srli_epi64(w, 32));
        butterfly(_mm256_unpacklo_epi64(s, d), t, &s, &d);
        s = _mm256_sub_epi64(s, _mm256_andnot_si256(less_than(s, p), p));
        d = _mm256_sub_epi64(d, _mm256_andnot_si256(less_than(d, p), p));
        __m256i low = _mm256_unpacklo_epi64(s, d), high = _mm256_unpackhi_epi64(s, d);
        store(values + start, _mm256_permute2x128_si256(low, high, 0x20));
        store(values + start + 4, _mm256_permute2x128_si256(low, high, 0x31));
    }
}

/* (u + v) mod p and (u - v) mod p for canonical u, v; both canonical. */
AVX2_INLINE void canonical_sum_difference(__m256i u, __m256i v, __m256i *sum, __m256i *difference) {
    const __m256i low32 = _mm256_set1_epi64x((long long)EPSILON);
    const __m256i p = _mm256_set1_epi64x((long long)GOLDILOCKS_P);
    __m256i s = _mm256_add_epi64(u, v);
    __m256i carry = less_than(s, u);
    /* carry: s + 2^64 - p = s + (2^32 - 1); otherwise subtract p when s >= p */
    __m256i reduced = _mm256_sub_epi64(s, _mm256_andnot_si256(less_than(s, p), p));
    *sum = _mm256_blendv_epi8(reduced, _mm256_add_epi64(s, low32), carry);
    __m256i d = _mm256_sub_epi64(u, v);
    *difference = _mm256_add_epi64(d, _mm256_and_si256(less_than(u, v), p));
}

AVX2_INLINE __m256i splat(uint64_t value) { return _mm256_set1_epi64x((long long)value); }

AVX2 void goldilocks_ntt_inverse_avx2(uint64_t *values, const uint64_t *inverse_twiddles, size_t n,
                                      uint64_t size_inverse, uint64_t scaled_zeta) {
    /* The first two stages in one pass over each 8 values. Length 1: lanes [a0, a2, a4, a6] against
     * [a1, a3, a5, a7], four consecutive twiddles; length 2: lanes [a0, a1, a4, a5] against [a2, a3, a6, a7],
     * twiddles [z0, z0, z1, z1]. */
    const uint64_t *twiddles1 = inverse_twiddles + (n >> 1), *twiddles2 = inverse_twiddles + (n >> 2);
    for (size_t start = 0; start < n; start += 8) {
        __m256i a = load(values + start), b = load(values + start + 4);
        __m256i low = _mm256_permute2x128_si256(a, b, 0x20), high = _mm256_permute2x128_si256(a, b, 0x31);
        __m256i s, d;
        canonical_sum_difference(_mm256_unpacklo_epi64(low, high), _mm256_unpackhi_epi64(low, high), &s, &d);
        __m256i w = load(twiddles1 + start / 2);
        d = multiply(d, w, _mm256_srli_epi64(w, 32));
        canonical_sum_difference(_mm256_unpacklo_epi64(s, d), _mm256_unpackhi_epi64(s, d), &s, &d);
        w = length2_twiddles(twiddles2 + start / 4);
        d = multiply(d, w, _mm256_srli_epi64(w, 32));
        store(values + start, _mm256_permute2x128_si256(s, d, 0x20));
        store(values + start + 4, _mm256_permute2x128_si256(s, d, 0x31));
    }
    size_t length = 4;
    for (; length < n >> 1; length <<= 1) {
        size_t k = n / (length << 1);
        for (size_t start = 0; start < n; start += 2 * length) {
            uint64_t zeta = inverse_twiddles[k++];
            __m256i w = splat(zeta), w_high = splat(zeta >> 32);
            uint64_t *x = values + start, *y = values + start + length;
            for (size_t j = 0; j < length; j += 4) {
                __m256i s, d;
                canonical_sum_difference(load(x + j), load(y + j), &s, &d);
                store(x + j, s);
                store(y + j, multiply(d, w, w_high));
            }
        }
    }
    /* last stage (one block) with N^-1 folded in: a[j] = N^-1 (u + v), a[j + n/2] = (zeta N^-1)(u - v). */
    __m256i scale = splat(size_inverse), scale_high = splat(size_inverse >> 32);
    __m256i w = splat(scaled_zeta), w_high = splat(scaled_zeta >> 32);
    uint64_t *x = values, *y = values + length;
    for (size_t j = 0; j < length; j += 4) {
        __m256i s, d;
        canonical_sum_difference(load(x + j), load(y + j), &s, &d);
        store(x + j, multiply(s, scale, scale_high));
        store(y + j, multiply(d, w, w_high));
    }
}
