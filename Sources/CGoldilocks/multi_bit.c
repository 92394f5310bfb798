/* Multi-bit blind rotation over Goldilocks p = 2^64 - 2^32 + 1 (grouping factor g: the GGSWs of one group of g
 * small-key coefficients are combined with the monomials X^(e_p) - 1 in the NTT domain, so that one external product
 * rotates by the whole group; Joye & Paillier, "Blind rotation in fully homomorphic encryption with extended keys",
 * CSCML 2022, and tfhe-rs' multi-bit PBS). The NTT of X^e - 1 is read from a table of the 2N-th roots of unity:
 * evaluation point t is zeta^(orders[t]), so X^e evaluates to powers[(e·orders[t]) mod 2N]. FHEKeys' tests hold the
 * AVX2 and scalar paths to a Swift reference. */
#include "CGoldilocks.h"
#include "goldilocks_avx2.h"

static inline uint64_t mb_add_mod(uint64_t a, uint64_t b) {
    uint64_t s = a + b;
    uint64_t fix = (s < a) ? 0xFFFFFFFFULL : 0;
    s += fix;
    return s >= GOLDILOCKS_P ? s - GOLDILOCKS_P : s;
}

static inline uint64_t mb_mul_mod(uint64_t a, uint64_t b) {
    unsigned __int128 product = (unsigned __int128)a * b;
    return reduce_scalar((uint64_t)product, (uint64_t)(product >> 64));
}

static void combine_range(const uint64_t *key, size_t patterns, const size_t *exponents, size_t columns, size_t n,
                          const uint64_t *powers, const uint32_t *orders, uint64_t *combined, size_t begin,
                          size_t end) {
    const size_t mask = 2 * n - 1;
    for (size_t t = begin; t < end; t++) {
        uint64_t factor[GOLDILOCKS_MULTIBIT_MAX_PATTERNS];
        for (size_t p = 0; p < patterns; p++) factor[p] = powers[(exponents[p] * orders[t]) & mask] - 1;
        for (size_t c = 0; c < columns; c++) {
            uint64_t sum = 0;
            for (size_t p = 0; p < patterns; p++) sum = mb_add_mod(sum, mb_mul_mod(factor[p], key[(p * columns + c) * n + t]));
            combined[c * n + t] = sum;
        }
    }
}

AVX2 static void combine_avx2(const uint64_t *key, size_t patterns, const size_t *exponents, size_t columns, size_t n,
                              const uint64_t *powers, const uint32_t *orders, uint64_t *combined,
                              const uint64_t *prefetch) {
    const __m256i index_mask = splat(2 * n - 1), one = splat(1);
    __m256i exponent[GOLDILOCKS_MULTIBIT_MAX_PATTERNS];
    for (size_t p = 0; p < patterns; p++) exponent[p] = splat(exponents[p]);
    for (size_t t = 0; t < n; t += 4) {
        if (prefetch && (t & 7) == 0) {
            for (size_t row = 0; row < patterns * columns; row++)
                _mm_prefetch((const char *)(prefetch + row * n + t), _MM_HINT_T1);
        }
        __m256i order = _mm256_cvtepu32_epi64(_mm_loadu_si128((const __m128i *)(orders + t)));
        __m256i factor[GOLDILOCKS_MULTIBIT_MAX_PATTERNS];
        for (size_t p = 0; p < patterns; p++) {
            /* exponent < 2N and order < 2N: the 32x32 product is exact. powers[...] >= 1, so minus 1 stays canonical. */
            __m256i index = _mm256_and_si256(_mm256_mul_epu32(order, exponent[p]), index_mask);
            __m256i power = _mm256_i64gather_epi64((const long long *)powers, index, 8);
            factor[p] = _mm256_sub_epi64(power, one);
        }
        for (size_t c = 0; c < columns; c++) {
            __m256i w = load(key + c * n + t);
            __m256i sum = multiply(factor[0], w, _mm256_srli_epi64(w, 32));
            for (size_t p = 1; p < patterns; p++) {
                w = load(key + (p * columns + c) * n + t);
                sum = add_mod_avx2(sum, multiply(factor[p], w, _mm256_srli_epi64(w, 32)));
            }
            store(combined + c * n + t, sum);
        }
    }
}

void goldilocks_multibit_combine(const uint64_t *key, size_t patterns, const size_t *exponents, size_t columns,
                                 size_t n, const uint64_t *powers, const uint32_t *orders, uint64_t *combined,
                                 const uint64_t *prefetch) {
    if (patterns == 0 || patterns > GOLDILOCKS_MULTIBIT_MAX_PATTERNS) return;
    if (avx2_available() && n % 4 == 0) {
        combine_avx2(key, patterns, exponents, columns, n, powers, orders, combined, prefetch);
        return;
    }
    combine_range(key, patterns, exponents, columns, n, powers, orders, combined, 0, n);
}
