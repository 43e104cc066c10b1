#!/usr/bin/env python3
"""Deterministic synthetic ACD interval export for the staffing benchmark.

Writes one year (2025, 365 days x 96 = 35,040 quarter-hours) of
`interval_start,offered,answered,abandoned,aht_seconds` to stdout (or the
file given as the first argument). The profile is a 24/7 municipal contact
center line: weekday peak ~180 calls per 15 minutes around 09:00-10:00,
lower Fridays, ~25 % on weekends, a few calls at night (never zero, because
pyworkforce rejects empty intervals), a summer dip in July and a January
peak, plus reproducible noise from a fixed-seed linear congruential
generator. Optional second argument: a load multiplier (default 1).
"""

import datetime as dt
import math
import sys


class Lcg:
    """Numerical Recipes LCG; deterministic across Python versions."""

    def __init__(self, seed):
        self.state = seed & 0xFFFFFFFF

    def uniform(self):
        self.state = (1664525 * self.state + 1013904223) & 0xFFFFFFFF
        return self.state / 2**32


def intraday(hour):
    """Relative call volume by hour of day (0-24, fractional)."""
    day = math.exp(-((hour - 9.75) ** 2) / (2 * 1.6**2)) + 0.75 * math.exp(-((hour - 13.5) ** 2) / (2 * 1.8**2))
    evening = 0.18 * math.exp(-((hour - 19.0) ** 2) / (2 * 1.5**2))
    return 0.02 + day + evening


WEEKDAY = [1.15, 1.0, 0.97, 0.95, 0.82, 0.27, 0.22]  # Monday..Sunday
MONTH = [1.15, 1.05, 1.0, 0.98, 0.95, 0.9, 0.7, 0.85, 1.05, 1.02, 1.0, 0.92]


def main():
    out = open(sys.argv[1], "w", newline="") if len(sys.argv) > 1 else sys.stdout
    scale = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    rng = Lcg(20250101)
    out.write("interval_start,offered,answered,abandoned,aht_seconds\n")
    tz = dt.timezone(dt.timedelta(hours=1))
    start = dt.datetime(2025, 1, 1, tzinfo=tz)
    for i in range(365 * 96):
        t = start + dt.timedelta(minutes=15 * i)
        hour = t.hour + t.minute / 60 + 7.5 / 60
        base = 160 * scale * intraday(hour) * WEEKDAY[t.weekday()] * MONTH[t.month - 1]
        noise = 0.85 + 0.3 * rng.uniform()
        offered = max(1, round(base * noise))
        aht = round(280 + 60 * rng.uniform() + (90 if hour < 7 or hour >= 20 else 0))
        abandoned = round(offered * (0.02 + 0.06 * rng.uniform()))
        answered = offered - abandoned
        out.write(f"{t.isoformat()},{offered},{answered},{abandoned},{aht}\n")
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
