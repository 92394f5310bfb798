/* AVX2 negacyclic NTTs over Goldilocks, four butterflies per vector (arithmetic in goldilocks_avx2.h). In the
 * forward transform values stay in [0, 2^64) between stages (lazy); each twiddle product is canonical, so a sum's
 * carry or a difference's borrow is fixed by one +-(2^32 - 1). The last stage makes every value canonical. */
#include "CGoldilocks.h"
#include "goldilocks_avx2.h"

int goldilocks_has_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? 1 : 0;
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


/* x·2^e mod p (0 <= e < 64, any x < 2^64), canonical: the 128-bit x·2^e is two shifts, then one reduction. */
/* A twiddle that is ±2^e (0 <= e < 64): the shift counts and the sign. */
typedef struct {
    __m128i e, complement;
    int negative;
} shift_twiddle;

/* The twiddle at `index` as a shift, from the caller's table (entries below 64 only); 0 when it is not ±2^e. */
AVX2_INLINE int shift_twiddle_at(const int8_t *shifts, size_t index, shift_twiddle *twiddle) {
    int shift = index < 64 ? shifts[index] : -1;
    if (shift < 0) return 0;
    twiddle->e = _mm_cvtsi32_si128(shift & 63);
    twiddle->complement = _mm_cvtsi32_si128(64 - (shift & 63));
    twiddle->negative = shift >= 64;
    return 1;
}

/* x·2^e (the magnitude of the twiddle; the caller applies its sign). */
AVX2_INLINE __m256i multiply_power_of_two(__m256i x, shift_twiddle twiddle) {
    return reduce(_mm256_sll_epi64(x, twiddle.e), _mm256_srl_epi64(x, twiddle.complement));
}

AVX2 void goldilocks_ntt_forward_avx2(uint64_t *values, const uint64_t *twiddles, const int8_t *twiddle_shifts,
                                      size_t n) {
    size_t k = 1;
    for (size_t length = n >> 1; length >= 4; length >>= 1) {
        for (size_t start = 0; start < n; start += 2 * length, k++) {
            uint64_t *x = values + start, *y = values + start + length;
            shift_twiddle twiddle;
            if (shift_twiddle_at(twiddle_shifts, k, &twiddle)) {
                /* twiddle ±2^e: t = y·2^e by shifts; a negative twiddle swaps the butterfly's outputs */
                for (size_t j = 0; j < length; j += 4) {
                    __m256i t = multiply_power_of_two(load(y + j), twiddle);
                    __m256i s, d;
                    butterfly(load(x + j), t, &s, &d);
                    store(x + j, twiddle.negative ? d : s);
                    store(y + j, twiddle.negative ? s : d);
                }
                continue;
            }
            uint64_t zeta = twiddles[k];
            __m256i w = splat(zeta), w_high = splat(zeta >> 32);
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
    const __m256i sign = splat(SIGN_BIT), p = splat(GOLDILOCKS_P);
    __m256i u_s = _mm256_xor_si256(u, sign);
    *sum = add_mod_shifted(u_s, v);
    /* u - v borrows exactly when the shifted difference exceeds u_s; then add p back */
    __m256i d_s = _mm256_sub_epi64(u_s, v);
    d_s = _mm256_add_epi64(d_s, _mm256_and_si256(_mm256_cmpgt_epi64(d_s, u_s), p));
    *difference = _mm256_xor_si256(d_s, sign);
}

AVX2 void goldilocks_ntt_inverse_avx2(uint64_t *values, const uint64_t *inverse_twiddles,
                                      const int8_t *twiddle_shifts, size_t n, uint64_t size_inverse,
                                      uint64_t scaled_zeta) {
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
        for (size_t start = 0; start < n; start += 2 * length, k++) {
            uint64_t *x = values + start, *y = values + start + length;
            shift_twiddle twiddle;
            if (shift_twiddle_at(twiddle_shifts, k, &twiddle)) {
                for (size_t j = 0; j < length; j += 4) {
                    __m256i s, d;
                    canonical_sum_difference(load(x + j), load(y + j), &s, &d);
                    store(x + j, s);
                    __m256i t = multiply_power_of_two(d, twiddle);
                    store(y + j, twiddle.negative ? neg_mod_avx2(t) : t);
                }
                continue;
            }
            uint64_t zeta = inverse_twiddles[k];
            __m256i w = splat(zeta), w_high = splat(zeta >> 32);
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
    int unscaled = size_inverse == 1;  /* N times the inverse: the first half needs no product */
    for (size_t j = 0; j < length; j += 4) {
        __m256i s, d;
        canonical_sum_difference(load(x + j), load(y + j), &s, &d);
        store(x + j, unscaled ? s : multiply(s, scale, scale_high));
        store(y + j, multiply(d, w, w_high));
    }
}
