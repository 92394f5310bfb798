/* The key switch's mask accumulation over Goldilocks: mask[t] = -sum over rows of digit[row]·rows[row·n + t]
 * (mod p) for small signed gadget digits. The key is tens of MiB and read once, so this is a memory stream; the
 * arithmetic is kept cheap by splitting each key word into 32-bit halves and summing |digit|·half exactly in
 * 64-bit lanes (no reduction until the end), positive and negative digits apart. */
#include "CGoldilocks.h"
#include "goldilocks_avx2.h"

/* low + 2^32·high (mod p) for high, low < 2^64: canonical. */
static uint64_t combine(uint64_t low, uint64_t high) {
    uint64_t shifted = high << 32;
    uint64_t sum = low + shifted;
    return reduce_scalar(sum, (high >> 32) + (sum < low));
}

static void accumulate(const uint64_t *row, size_t n, uint64_t magnitude, uint64_t *low, uint64_t *high) {
    for (size_t t = 0; t < n; t++) {
        low[t] += (row[t] & EPSILON) * magnitude;
        high[t] += (row[t] >> 32) * magnitude;
    }
}

AVX2 static void accumulate_avx2(const uint64_t *row, size_t n, uint64_t magnitude, uint64_t *low,
                                 uint64_t *high) {
    __m256i d = splat(magnitude);
    size_t t = 0;
    for (; t + 4 <= n; t += 4) {
        __m256i value = load(row + t);
        store(low + t, _mm256_add_epi64(load(low + t), _mm256_mul_epu32(value, d)));
        store(high + t, _mm256_add_epi64(load(high + t), _mm256_mul_epu32(_mm256_srli_epi64(value, 32), d)));
    }
    accumulate(row + t, n - t, magnitude, low + t, high + t);
}

int goldilocks_key_switch_mask(const uint64_t *rows, size_t row_count, size_t n, const int8_t *digits,
                               uint64_t *mask, uint64_t *scratch) {
    /* each half-product is below 2^32 · 128, so 2^25 rows cannot overflow a 64-bit lane */
    if (row_count >= (1u << 25)) return -1;
    uint64_t *positive_low = scratch, *positive_high = scratch + n;
    uint64_t *negative_low = scratch + 2 * n, *negative_high = scratch + 3 * n;
    for (size_t t = 0; t < 4 * n; t++) scratch[t] = 0;
    int vectorised = avx2_available();
    for (size_t r = 0; r < row_count; r++) {
        int digit = digits[r];
        if (digit == 0) continue;
        uint64_t magnitude = (uint64_t)(digit < 0 ? -digit : digit);
        uint64_t *low = digit > 0 ? positive_low : negative_low, *high = digit > 0 ? positive_high : negative_high;
        if (vectorised) accumulate_avx2(rows + r * n, n, magnitude, low, high);
        else accumulate(rows + r * n, n, magnitude, low, high);
    }
    /* mask = sum over negative digits of |d|·row - sum over positive ones */
    for (size_t t = 0; t < n; t++) {
        uint64_t negative = combine(negative_low[t], negative_high[t]);
        uint64_t positive = combine(positive_low[t], positive_high[t]);
        mask[t] = negative >= positive ? negative - positive : negative - positive + GOLDILOCKS_P;
    }
    return 0;
}
