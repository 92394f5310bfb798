/* The blind rotation's work around the NTTs, over Goldilocks p = 2^64 - 2^32 + 1 (TFHE, Chillotti et al., JoC 2020,
 * §4): gadget digits of X^shift·acc - acc, the NTT-domain multiply-accumulate against a GGSW row block, and the
 * accumulator update. Every value in and out is canonical. The AVX2 paths (chosen at run time) do four coefficients per
 * vector; the scalar code does the tails and CPUs without AVX2. FHEKeys' tests hold both to Swift references. */
#include "CGoldilocks.h"
#include "goldilocks_avx2.h"

/* ---- scalar pieces (the AVX2 tails and CPUs without AVX2) ---- */

static inline uint64_t add_mod(uint64_t a, uint64_t b) {
    uint64_t s = a + b;
    uint64_t fix = (s < a) ? 0xFFFFFFFFULL : 0;  /* 2^64 = 2^32 - 1 (mod p) */
    s += fix;
    return s >= GOLDILOCKS_P ? s - GOLDILOCKS_P : s;
}

static inline uint64_t sub_mod(uint64_t a, uint64_t b) { return a >= b ? a - b : a - b + GOLDILOCKS_P; }

static inline uint64_t neg_mod(uint64_t a) { return a == 0 ? 0 : GOLDILOCKS_P - a; }

/* round(v · 2^bits / p) mod 2^bits without a division (1 <= bits <= 31); as FHEKeys' Arithmetic.roundScaleFast. */
static inline uint64_t round_scale(uint64_t v, unsigned bits) {
    uint64_t high = v >> (64 - bits), low = v << bits;
    uint64_t sum = low + (GOLDILOCKS_P >> 1);
    uint64_t q = high + (sum < low);
    uint64_t adjust = (q << 32) - q;
    uint64_t remainder = sum + adjust;
    q += (remainder < sum) | (remainder >= GOLDILOCKS_P);
    return q & ((1ULL << bits) - 1);
}

/* Balanced base-2^base_log digits of round(v·B^levels/p), least significant (level `levels`) last; digit j goes to
 * out[j·stride] as a field element (d - B for the upper half, carried into the next digit). */
static inline void decompose_one(uint64_t v, unsigned base_log, unsigned levels, uint64_t *out, size_t stride) {
    uint64_t y = round_scale(v, base_log * levels);
    uint64_t base = 1ULL << base_log;
    for (size_t j = levels; j-- > 0;) {
        uint64_t d = y & (base - 1);
        y >>= base_log;
        uint64_t negative = (d >> (base_log - 1)) & 1;
        y += negative;
        out[j * stride] = d + ((0 - negative) & (GOLDILOCKS_P - base));
    }
}

/* Digits of source[begin..<end] (digit j of coefficient t at digits[j·n + t]). */
static void decompose_range(const uint64_t *source, size_t n, size_t begin, size_t end, unsigned base_log,
                            unsigned levels, uint64_t *digits) {
    for (size_t t = begin; t < end; t++) decompose_one(source[t], base_log, levels, digits + t, n);
}

/* Digits of coefficients [begin, end) of X^s·src - src where coefficient t takes rotated[t] = ±src[t - offset]
 * (negated when `negate`): -src[t - offset] - src[t] is computed as -(src[t - offset] + src[t]). */
static void rotate_subtract_range(const uint64_t *src, size_t n, size_t begin, size_t end, ptrdiff_t offset,
                                  int negate, unsigned base_log, unsigned levels, uint64_t *digits) {
    for (size_t t = begin; t < end; t++) {
        uint64_t value = negate ? neg_mod(add_mod(src[t - offset], src[t])) : sub_mod(src[t - offset], src[t]);
        decompose_one(value, base_log, levels, digits + t, n);
    }
}

static void add_assign_range(uint64_t *accumulator, const uint64_t *values, size_t begin, size_t end) {
    for (size_t t = begin; t < end; t++) accumulator[t] = add_mod(accumulator[t], values[t]);
}

/* ---- AVX2 pieces ---- */

AVX2_INLINE __m256i round_scale_avx2(__m256i v, unsigned bits) {
    const __m256i p = splat(GOLDILOCKS_P);
    __m256i high = _mm256_srli_epi64(v, (int)(64 - bits));
    __m256i low = _mm256_slli_epi64(v, (int)bits);
    __m256i sum = _mm256_add_epi64(low, splat(GOLDILOCKS_P >> 1));
    __m256i q = _mm256_sub_epi64(high, less_than(sum, low));  /* mask is -1 where the add carried */
    __m256i adjust = _mm256_sub_epi64(_mm256_slli_epi64(q, 32), q);
    __m256i remainder = _mm256_add_epi64(sum, adjust);
    __m256i bump = _mm256_or_si256(less_than(remainder, sum), _mm256_xor_si256(less_than(remainder, p), splat(~0ULL)));
    q = _mm256_sub_epi64(q, bump);
    return _mm256_and_si256(q, splat((1ULL << bits) - 1));
}

AVX2_INLINE void decompose_avx2(__m256i v, unsigned base_log, unsigned levels, uint64_t *out, size_t stride) {
    __m256i y = round_scale_avx2(v, base_log * levels);
    const uint64_t base = 1ULL << base_log;
    const __m256i digit_mask = splat(base - 1), one = splat(1), lift = splat(GOLDILOCKS_P - base);
    for (size_t j = levels; j-- > 0;) {
        __m256i d = _mm256_and_si256(y, digit_mask);
        y = _mm256_srli_epi64(y, (int)base_log);
        __m256i negative = _mm256_and_si256(_mm256_srli_epi64(d, (int)(base_log - 1)), one);
        y = _mm256_add_epi64(y, negative);
        __m256i is_negative = _mm256_sub_epi64(_mm256_setzero_si256(), negative);
        store(out + j * stride, _mm256_add_epi64(d, _mm256_and_si256(is_negative, lift)));
    }
}

/* ---- kernels: AVX2 bodies, then the public entry points that pick them or the scalar loops ---- */

AVX2 static void decompose_all_avx2(const uint64_t *source, size_t n, unsigned base_log, unsigned levels,
                                    uint64_t *digits) {
    size_t t = 0;
    for (; t + 4 <= n; t += 4) decompose_avx2(load(source + t), base_log, levels, digits + t, n);
    decompose_range(source, n, t, n, base_log, levels, digits);
}

void goldilocks_decompose(const uint64_t *source, size_t n, unsigned base_log, unsigned levels, uint64_t *digits) {
    if (avx2_available()) {
        decompose_all_avx2(source, n, base_log, levels, digits);
        return;
    }
    decompose_range(source, n, 0, n, base_log, levels, digits);
}

/* rotate_subtract_range, four coefficients per vector. */
AVX2_INLINE void rotate_subtract_range_avx2(const uint64_t *src, size_t n, size_t begin, size_t end,
                                            ptrdiff_t offset, int negate, unsigned base_log, unsigned levels,
                                            uint64_t *digits) {
    size_t t = begin;
    if (negate) {
        for (; t + 4 <= end; t += 4) {
            __m256i value = neg_mod_avx2(add_mod_avx2(load(src + t - offset), load(src + t)));
            decompose_avx2(value, base_log, levels, digits + t, n);
        }
    } else {
        for (; t + 4 <= end; t += 4) {
            __m256i value = sub_mod_avx2(load(src + t - offset), load(src + t));
            decompose_avx2(value, base_log, levels, digits + t, n);
        }
    }
    rotate_subtract_range(src, n, t, end, offset, negate, base_log, levels, digits);
}

AVX2 static void rotate_subtract_decompose_avx2(const uint64_t *source, size_t n, size_t s, int wrapped_negated,
                                                unsigned base_log, unsigned levels, uint64_t *digits) {
    rotate_subtract_range_avx2(source, n, 0, s, (ptrdiff_t)s - (ptrdiff_t)n, wrapped_negated, base_log, levels,
                               digits);
    rotate_subtract_range_avx2(source, n, s, n, (ptrdiff_t)s, !wrapped_negated, base_log, levels, digits);
}

void goldilocks_rotate_subtract_decompose(const uint64_t *source, size_t n, size_t shift, unsigned base_log,
                                          unsigned levels, uint64_t *digits) {
    /* X^shift = ±X^s with s = shift mod N: coefficient t takes src[t - s] (t >= s) or -src[t - s + N] (t < s),
     * both negated again when shift >= N. */
    size_t s = shift < n ? shift : shift - n;
    int wrapped_negated = shift < n;
    if (avx2_available()) {
        rotate_subtract_decompose_avx2(source, n, s, wrapped_negated, base_log, levels, digits);
        return;
    }
    rotate_subtract_range(source, n, 0, s, (ptrdiff_t)s - (ptrdiff_t)n, wrapped_negated, base_log, levels, digits);
    rotate_subtract_range(source, n, s, n, (ptrdiff_t)s, !wrapped_negated, base_log, levels, digits);
}

/* The production shape (k = 1, one level): two digit rows, two output columns; each digit vector is loaded and
 * split once for both columns. */
AVX2 static void multiply_accumulate_2x2_avx2(const uint64_t *digits, const uint64_t *key, size_t n,
                                              uint64_t *output, const uint64_t *prefetch) {
    const uint64_t *d0 = digits, *d1 = digits + n;
    const uint64_t *k00 = key, *k01 = key + n, *k10 = key + 2 * n, *k11 = key + 3 * n;
    for (size_t t = 0; t < n; t += 4) {
        if (prefetch && (t & 7) == 0) {
            for (size_t block = 0; block < 4; block++)
                _mm_prefetch((const char *)(prefetch + block * n + t), _MM_HINT_T1);
        }
        __m256i x0 = load(d0 + t), x1 = load(d1 + t);
        __m256i w00 = load(k00 + t), w01 = load(k01 + t), w10 = load(k10 + t), w11 = load(k11 + t);
        __m256i out0 = add_mod_avx2(multiply(x0, w00, _mm256_srli_epi64(w00, 32)),
                                    multiply(x1, w10, _mm256_srli_epi64(w10, 32)));
        __m256i out1 = add_mod_avx2(multiply(x0, w01, _mm256_srli_epi64(w01, 32)),
                                    multiply(x1, w11, _mm256_srli_epi64(w11, 32)));
        store(output + t, out0);
        store(output + n + t, out1);
    }
}

AVX2 static void multiply_accumulate_avx2(const uint64_t *digits, size_t rows, const uint64_t *key, size_t columns,
                                          size_t n, uint64_t *output, const uint64_t *prefetch) {
    if (rows == 2 && columns == 2) {
        multiply_accumulate_2x2_avx2(digits, key, n, output, prefetch);
        return;
    }
    for (size_t m = 0; m < columns; m++) {
        uint64_t *out = output + m * n;
        for (size_t t = 0; t < n; t += 4) {
            if (prefetch && (t & 7) == 0) {
                for (size_t row = 0; row < rows; row++)
                    _mm_prefetch((const char *)(prefetch + (row * columns + m) * n + t), _MM_HINT_T1);
            }
            __m256i sum = _mm256_setzero_si256();
            for (size_t row = 0; row < rows; row++) {
                __m256i w = load(key + (row * columns + m) * n + t);
                sum = add_mod_avx2(sum, multiply(load(digits + row * n + t), w, _mm256_srli_epi64(w, 32)));
            }
            store(out + t, sum);
        }
    }
}

void goldilocks_multiply_accumulate(const uint64_t *digits, size_t rows, const uint64_t *key, size_t columns,
                                    size_t n, uint64_t *output, const uint64_t *prefetch) {
    if (avx2_available() && n % 4 == 0) {
        multiply_accumulate_avx2(digits, rows, key, columns, n, output, prefetch);
        return;
    }
    /* output[m][t] = sum over rows of digits[row][t] · key[row][m][t]; products summed as 128-bit integers, each
     * overflow of 2^128 = -2^32 (mod p) counted and corrected once per coefficient. */
    for (size_t m = 0; m < columns; m++) {
        uint64_t *out = output + m * n;
        for (size_t t = 0; t < n; t++) {
            unsigned __int128 sum = 0;
            uint64_t overflows = 0;
            for (size_t row = 0; row < rows; row++) {
                unsigned __int128 product =
                    (unsigned __int128)digits[row * n + t] * key[(row * columns + m) * n + t];
                unsigned __int128 next = sum + product;
                overflows += next < sum;
                sum = next;
            }
            uint64_t r = reduce_scalar((uint64_t)sum, (uint64_t)(sum >> 64));
            out[t] = sub_mod(r, overflows << 32);  /* overflows <= rows, so this is canonical */
        }
    }
}

AVX2 static void add_assign_avx2(uint64_t *accumulator, const uint64_t *values, size_t count) {
    size_t t = 0;
    for (; t + 4 <= count; t += 4) store(accumulator + t, add_mod_avx2(load(accumulator + t), load(values + t)));
    add_assign_range(accumulator, values, t, count);
}

void goldilocks_add_assign(uint64_t *accumulator, const uint64_t *values, size_t count) {
    if (avx2_available()) {
        add_assign_avx2(accumulator, values, count);
        return;
    }
    add_assign_range(accumulator, values, 0, count);
}
