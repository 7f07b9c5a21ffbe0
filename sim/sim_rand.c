/*
 * sim_rand.c - the simulator's deterministic randomness: a mixing function
 * that turns (seed, identity) into a value, and a small generator on top.
 */
#include "common/kv.h"
#include "sim.h"

uint64_t sim_mix(uint64_t a, uint64_t b)
{
    uint64_t z = a + 0x9e3779b97f4a7c15ULL * (b + 1);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void sim_rng_init(struct sim_rng *r, uint64_t seed)
{
    r->state = sim_mix(seed, 0x5eedULL);
}

uint64_t sim_rng_next(struct sim_rng *r)
{
    r->state += 0x9e3779b97f4a7c15ULL;
    return sim_mix(r->state, 0);
}

uint64_t sim_rng_below(struct sim_rng *r, uint64_t n)
{
    /* the modulo bias is below 1e-9 for our n and does not matter here */
    return sim_rng_next(r) % n;
}

int64_t sim_rng_range(struct sim_rng *r, int64_t lo, int64_t hi)
{
    if (hi <= lo)
        return lo;
    return lo + (int64_t)sim_rng_below(r, (uint64_t)(hi - lo) + 1);
}

double sim_rng_unit(struct sim_rng *r)
{
    return (double)(sim_rng_next(r) >> 11) * 0x1.0p-53;
}

void sim_rng_choose(struct sim_rng *r, bool *marks, size_t n, size_t k)
{
    size_t left = k;

    /* selection sampling: slot i is taken with probability left/(n-i) */
    for (size_t i = 0; i < n; i++) {
        marks[i] = left && sim_rng_below(r, n - i) < left;
        if (marks[i])
            left--;
    }
}
