"""The 95% paired bootstrap interval the bench scripts report: users resampled with replacement,
the mean of each user's difference (model B's metric − model A's) taken per resample."""
import random


def interval(differences, resamples=2000, seed=0):
    """(mean, low, high) of the per-user `differences`: their mean and its 95% bootstrap interval."""
    rng, n = random.Random(seed), len(differences)
    means = sorted(sum(differences[rng.randrange(n)] for _ in range(n)) / n for _ in range(resamples))
    return sum(differences) / n, means[int(0.025 * resamples)], means[int(0.975 * resamples) - 1]
