/* Multi-bit blind rotation over Goldilocks p = 2^64 - 2^32 + 1 (grouping factor g: the GGSWs of one group of g
 * small-key coefficients are combined with the monomials X^(e_p) - 1 in the NTT domain, so that one external product
 * rotates by the whole group; Joye & Paillier, "Blind rotation in fully homomorphic encryption with extended keys",
 * CSCML 2022, and tfhe-rs' multi-bit PBS). The NTT of X^e - 1 is read from a table of the 2N-th roots of unity:
 * evaluation point t is zeta^(orders[t]), so X^e evaluates to powers[(e·orders[t]) mod 2N]. The combination is fused
 * with the external product's multiply-accumulate (the combined GGSW never goes to memory), and every sum of products
 * is reduced once (lazily, as 128-bit integers). FHEKeys' tests hold the AVX2 and scalar paths to a Swift reference. */
#include "CGoldilocks.h"
#include "goldilocks_avx2.h"

static inline uint64_t mb_sub_mod(uint64_t a, uint64_t b) { return a >= b ? a - b : a - b + GOLDILOCKS_P; }

/* Scalar path: the products of one sum (the patterns of a combined GGSW value, then the rows of an output) summed as
 * 128-bit integers, each overflow of 2^128 = -2^32 (mod p) counted and corrected once, one reduction per sum. */
static void multiply_accumulate_range(const uint64_t *digits, size_t rows, const uint64_t *key, size_t patterns,
                                      const size_t *exponents, size_t columns, size_t n, const uint64_t *powers,
                                      const uint32_t *orders, uint64_t *output) {
    const size_t mask = 2 * n - 1, block = rows * columns * n;
    for (size_t t = 0; t < n; t++) {
        uint64_t factor[GOLDILOCKS_MULTIBIT_MAX_PATTERNS];
        for (size_t p = 0; p < patterns; p++) factor[p] = powers[(exponents[p] * orders[t]) & mask] - 1;
        for (size_t m = 0; m < columns; m++) {
            unsigned __int128 sum = 0;
            uint64_t overflows = 0;
            for (size_t row = 0; row < rows; row++) {
                unsigned __int128 inner = 0;
                uint64_t inner_overflows = 0;
                for (size_t p = 0; p < patterns; p++) {
                    const uint64_t w = key[p * block + (row * columns + m) * n + t];
                    unsigned __int128 next = inner + (unsigned __int128)factor[p] * w;
                    inner_overflows += next < inner;
                    inner = next;
                }
                uint64_t combined = mb_sub_mod(reduce_scalar((uint64_t)inner, (uint64_t)(inner >> 64)),
                                               inner_overflows << 32);
                unsigned __int128 next = sum + (unsigned __int128)digits[row * n + t] * combined;
                overflows += next < sum;
                sum = next;
            }
            /* overflows < rows < 2^32 keeps overflows·2^32 < p, so the subtraction stays canonical. */
            output[m * n + t] = mb_sub_mod(reduce_scalar((uint64_t)sum, (uint64_t)(sum >> 64)), overflows << 32);
        }
    }
}

/* One combined GGSW value for four coefficients: sum over p of factor[p]·key[p·block + offset], reduced once. */
AVX2_INLINE __m256i combined_avx2(const __m256i *factor, size_t patterns, const uint64_t *key, size_t block) {
    __m256i w = load(key), low, high;
    product(factor[0], w, _mm256_srli_epi64(w, 32), &low, &high);
    wide_sum sum = wide_start(low, high);
    for (size_t p = 1; p < patterns; p++) {
        w = load(key + p * block);
        sum = wide_multiply_add(sum, factor[p], w, _mm256_srli_epi64(w, 32));
    }
    return wide_reduce(sum);
}

/* The AVX2 body; always inlined into a production-shape copy (constant rows, columns, patterns) and a general one. */
AVX2_INLINE void multiply_accumulate_body(const uint64_t *digits, size_t rows, const uint64_t *key, size_t patterns,
                                          const size_t *exponents, size_t columns, size_t n, const uint64_t *powers,
                                          const uint32_t *orders, uint64_t *output, const uint64_t *prefetch) {
    const __m256i index_mask = splat(2 * n - 1), one = splat(1);
    const size_t block = rows * columns * n;
    __m256i exponent[GOLDILOCKS_MULTIBIT_MAX_PATTERNS];
    for (size_t p = 0; p < patterns; p++) exponent[p] = splat(exponents[p]);
    for (size_t t = 0; t < n; t += 4) {
        if (prefetch && (t & 7) == 0) {
            for (size_t row = 0; row < patterns * rows * columns; row++)
                _mm_prefetch((const char *)(prefetch + row * n + t), _MM_HINT_T1);
        }
        __m256i order = _mm256_cvtepu32_epi64(_mm_loadu_si128((const __m128i *)(orders + t)));
        __m256i factor[GOLDILOCKS_MULTIBIT_MAX_PATTERNS];
        for (size_t p = 0; p < patterns; p++) {
            /* exponent < 2N and order < 2N: the 32x32 product is exact. powers[...] >= 1, so minus 1 stays canonical. */
            __m256i index = _mm256_and_si256(_mm256_mul_epu32(order, exponent[p]), index_mask);
            factor[p] = _mm256_sub_epi64(_mm256_i64gather_epi64((const long long *)powers, index, 8), one);
        }
        for (size_t m = 0; m < columns; m++) {
            __m256i x = load(digits + t), low, high;
            __m256i c = combined_avx2(factor, patterns, key + m * n + t, block);
            product(x, c, _mm256_srli_epi64(c, 32), &low, &high);
            wide_sum sum = wide_start(low, high);
            for (size_t row = 1; row < rows; row++) {
                x = load(digits + row * n + t);
                c = combined_avx2(factor, patterns, key + (row * columns + m) * n + t, block);
                sum = wide_multiply_add(sum, x, c, _mm256_srli_epi64(c, 32));
            }
            store(output + m * n + t, wide_reduce(sum));
        }
    }
}

AVX2 static void multiply_accumulate_production_avx2(const uint64_t *digits, const uint64_t *key,
                                                     const size_t *exponents, size_t n, const uint64_t *powers,
                                                     const uint32_t *orders, uint64_t *output,
                                                     const uint64_t *prefetch) {
    multiply_accumulate_body(digits, 2, key, 3, exponents, 2, n, powers, orders, output, prefetch);
}

AVX2 static void multiply_accumulate_general_avx2(const uint64_t *digits, size_t rows, const uint64_t *key,
                                                  size_t patterns, const size_t *exponents, size_t columns, size_t n,
                                                  const uint64_t *powers, const uint32_t *orders, uint64_t *output,
                                                  const uint64_t *prefetch) {
    multiply_accumulate_body(digits, rows, key, patterns, exponents, columns, n, powers, orders, output, prefetch);
}

void goldilocks_multibit_multiply_accumulate(const uint64_t *digits, size_t rows, const uint64_t *key,
                                             size_t patterns, const size_t *exponents, size_t columns, size_t n,
                                             const uint64_t *powers, const uint32_t *orders, uint64_t *output,
                                             const uint64_t *prefetch) {
    if (patterns == 0 || patterns > GOLDILOCKS_MULTIBIT_MAX_PATTERNS || rows == 0 || rows >= (1ULL << 31)) return;
    if (avx2_available() && n % 4 == 0) {
        if (rows == 2 && patterns == 3 && columns == 2)
            multiply_accumulate_production_avx2(digits, key, exponents, n, powers, orders, output, prefetch);
        else
            multiply_accumulate_general_avx2(digits, rows, key, patterns, exponents, columns, n, powers, orders,
                                             output, prefetch);
        return;
    }
    multiply_accumulate_range(digits, rows, key, patterns, exponents, columns, n, powers, orders, output);
}
