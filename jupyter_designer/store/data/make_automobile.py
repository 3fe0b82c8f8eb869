"""Generate ``automobile_price_data_raw.csv``, the "Automobile price data (Raw)" sample.

The table follows the shape of the classic 1985 automobile imports data the reference
designer ships as a sample: 205 cars of 22 makes in 26 columns, the same column names,
categories and value ranges, and missing values in the same places (normalized-losses 41,
price 4, bore/stroke 4 (the rotary engines), horsepower/peak-rpm 2, num-of-doors 2). The
values are synthetic: sizes, weights and engines are drawn per make, and price follows
engine size, curb weight, horsepower and the make's price level with multiplicative noise,
so a linear regression on the other columns explains roughly 80-90 % of its variance.

Run ``python make_automobile.py`` to regenerate the CSV next to this script; the fixed
seed makes the output identical every time.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20240517
COLUMNS = [
    "symboling", "normalized-losses", "make", "fuel-type", "aspiration", "num-of-doors",
    "body-style", "drive-wheels", "engine-location", "wheel-base", "length", "width", "height",
    "curb-weight", "engine-type", "num-of-cylinders", "engine-size", "fuel-system", "bore",
    "stroke", "compression-ratio", "horsepower", "peak-rpm", "city-mpg", "highway-mpg", "price",
]

# make: (cars, price level, size, body styles, drive wheels, cylinders, engine types,
#        diesel share, turbo share, losses missing)
MAKES = {
    "alfa-romero": (3, 1.30, -0.3, {"convertible": 2, "hatchback": 1}, {"rwd": 1},
                    {"four": 2, "six": 1}, {"dohc": 2, "ohcv": 1}, 0.0, 0.0, 3),
    "audi": (7, 1.35, 0.4, {"sedan": 5, "wagon": 1, "hatchback": 1}, {"fwd": 5, "4wd": 2},
             {"five": 5, "four": 2}, {"ohc": 1}, 0.0, 0.15, 1),
    "bmw": (8, 1.75, 0.3, {"sedan": 8}, {"rwd": 1}, {"six": 5, "four": 3}, {"ohc": 1},
            0.0, 0.0, 6),
    "chevrolet": (3, 0.55, -1.6, {"hatchback": 2, "sedan": 1}, {"fwd": 1},
                  {"three": 1, "four": 2}, {"l": 1, "ohc": 2}, 0.0, 0.0, 0),
    "dodge": (9, 0.72, -0.9, {"hatchback": 5, "sedan": 3, "wagon": 1}, {"fwd": 1},
              {"four": 1}, {"ohc": 1}, 0.0, 0.2, 0),
    "honda": (13, 0.82, -0.9, {"hatchback": 7, "sedan": 5, "wagon": 1}, {"fwd": 1},
              {"four": 1}, {"ohc": 1}, 0.0, 0.0, 0),
    "isuzu": (4, 0.80, -0.5, {"sedan": 2, "hatchback": 2}, {"rwd": 3, "fwd": 1}, {"four": 1},
              {"ohc": 1}, 0.0, 0.0, 4),
    "jaguar": (3, 2.30, 1.7, {"sedan": 3}, {"rwd": 1}, {"six": 2, "twelve": 1},
               {"dohc": 2, "ohcv": 1}, 0.0, 0.0, 3),
    "mazda": (17, 0.88, -0.4, {"hatchback": 10, "sedan": 7}, {"fwd": 11, "rwd": 6},
              {"four": 13, "two": 4}, {"ohc": 13, "rotor": 4}, 0.12, 0.0, 4),
    "mercedes-benz": (8, 2.20, 1.4, {"sedan": 4, "wagon": 1, "hardtop": 2, "convertible": 1},
                      {"rwd": 1}, {"five": 4, "eight": 4}, {"ohc": 4, "ohcv": 4}, 0.5, 0.5, 4),
    "mercury": (1, 1.25, 0.0, {"hatchback": 1}, {"rwd": 1}, {"four": 1}, {"ohc": 1}, 0.0, 1.0, 1),
    "mitsubishi": (13, 0.88, -0.6, {"hatchback": 9, "sedan": 4}, {"fwd": 1}, {"four": 1},
                   {"ohc": 1}, 0.0, 0.3, 1),
    "nissan": (18, 0.90, -0.3, {"sedan": 9, "hatchback": 5, "wagon": 3, "hardtop": 1},
               {"fwd": 13, "rwd": 5}, {"four": 14, "six": 4}, {"ohc": 14, "ohcv": 4}, 0.06, 0.06, 2),
    "peugot": (11, 1.10, 0.7, {"sedan": 7, "wagon": 4}, {"rwd": 1}, {"four": 1}, {"l": 1},
               0.45, 0.45, 0),
    "plymouth": (7, 0.72, -0.8, {"hatchback": 4, "sedan": 2, "wagon": 1}, {"fwd": 6, "rwd": 1},
                 {"four": 1}, {"ohc": 1}, 0.0, 0.15, 2),
    "porsche": (5, 2.00, -0.2, {"hatchback": 2, "hardtop": 2, "convertible": 1}, {"rwd": 1},
                {"six": 4, "eight": 1}, {"ohcf": 4, "dohcv": 1}, 0.0, 0.0, 4),
    "renault": (2, 0.85, -0.6, {"wagon": 1, "hatchback": 1}, {"fwd": 1}, {"four": 1}, {"ohc": 1},
                0.0, 0.0, 2),
    "saab": (6, 1.15, 0.0, {"hatchback": 3, "sedan": 3}, {"fwd": 1}, {"four": 1}, {"ohc": 1},
             0.0, 0.33, 0),
    "subaru": (12, 0.80, -0.6, {"sedan": 5, "wagon": 4, "hatchback": 3}, {"fwd": 7, "4wd": 5},
               {"four": 1}, {"ohcf": 1}, 0.0, 0.15, 0),
    "toyota": (32, 0.88, -0.3, {"hatchback": 14, "sedan": 10, "wagon": 6, "hardtop": 1,
                                "convertible": 1}, {"fwd": 18, "rwd": 12, "4wd": 2},
               {"four": 28, "six": 4}, {"ohc": 26, "dohc": 6}, 0.1, 0.0, 2),
    "volkswagen": (12, 0.95, -0.4, {"sedan": 8, "hatchback": 2, "wagon": 1, "convertible": 1},
                   {"fwd": 1}, {"four": 1}, {"ohc": 1}, 0.33, 0.1, 2),
    "volvo": (11, 1.30, 0.8, {"sedan": 8, "wagon": 3}, {"rwd": 1}, {"four": 9, "six": 2},
              {"ohc": 9, "ohcv": 2}, 0.1, 0.3, 0),
}

#: mean list price per make in the reference table
MEAN_PRICE = {
    "alfa-romero": 15498, "audi": 17859, "bmw": 26119, "chevrolet": 6007, "dodge": 7876,
    "honda": 8185, "isuzu": 8916, "jaguar": 34600, "mazda": 10653, "mercedes-benz": 33647,
    "mercury": 16503, "mitsubishi": 9240, "nissan": 10416, "peugot": 15489, "plymouth": 7963,
    "porsche": 31400, "renault": 9595, "saab": 15223, "subaru": 8541, "toyota": 9886,
    "volkswagen": 10078, "volvo": 18063,
}

_ENGINE_SIZE = {"two": (75, 5), "three": (61, 0), "four": (112, 16), "five": (145, 15),
                "six": (170, 20), "eight": (280, 25), "twelve": (326, 0)}
_BODY_SYMBOLING = {"convertible": 2.5, "hardtop": 1.8, "hatchback": 1.4, "sedan": 0.3,
                   "wagon": -0.6}
_BODY_HEIGHT = {"convertible": -3.0, "hardtop": -2.2, "hatchback": -1.2, "sedan": 0.3,
                "wagon": 2.0}


def _draw(rng: np.random.Generator, counts: dict, n: int) -> list:
    """``n`` values following the make's mix (exact counts when they add up to ``n``)."""
    keys = list(counts)
    weights = np.array([counts[k] for k in keys], dtype=float)
    if weights.sum() == n:
        values = [k for k in keys for _ in range(int(counts[k]))]
        rng.shuffle(values)
        return values
    return list(rng.choice(keys, size=n, p=weights / weights.sum()))


def generate(seed: int = SEED) -> pd.DataFrame:
    """The 205 x 26 "Automobile price data (Raw)" table."""
    rng = np.random.default_rng(seed)
    rows = []
    for make in sorted(MAKES):
        (n, level, size0, bodies, drives, cylinders, engines, diesel_share, turbo_share,
         losses_missing) = MAKES[make]
        body = _draw(rng, bodies, n)
        drive = _draw(rng, drives, n)
        cyl = _draw(rng, cylinders, n)
        engine = _draw(rng, engines, n)
        if make == "mazda":  # the rotary engines are the two-rotor cars
            engine = ["rotor" if c == "two" else e if e != "rotor" else "ohc"
                      for c, e in zip(cyl, engine)]
        missing_losses = set(rng.choice(n, size=losses_missing, replace=False).tolist())
        for i in range(n):
            diesel = bool(rng.random() < diesel_share) and engine[i] != "rotor"
            turbo = diesel and rng.random() < 0.6 or (not diesel and rng.random() < turbo_share)
            size = size0 + rng.normal(0, 0.55) + (0.5 if body[i] == "wagon" else 0.0)
            mu, sd = _ENGINE_SIZE[cyl[i]]
            engine_size = mu + sd * rng.normal() + 10 * size
            if cyl[i] in ("two", "three", "twelve"):
                engine_size = mu
            engine_size = int(np.clip(round(engine_size), 61, 326))
            wheel_base = float(np.clip(round(98.8 + 5.0 * size + rng.normal(0, 2.0), 1), 86.6, 120.9))
            length = float(np.clip(round(174.0 + 10.5 * size + rng.normal(0, 4.0), 1), 141.1, 208.1))
            width = float(np.clip(round(65.9 + 1.7 * size + rng.normal(0, 0.7), 1), 60.3, 72.3))
            height = float(np.clip(round(53.7 + 1.2 * size + _BODY_HEIGHT[body[i]]
                                         + rng.normal(0, 1.0), 1), 47.8, 59.8))
            curb_weight = int(np.clip(round(2555 + 420 * size + 3.0 * (engine_size - 127)
                                            + 150 * diesel + rng.normal(0, 110)), 1488, 4066))
            horsepower = engine_size * (0.55 if diesel else 0.82) + (28 if turbo else 0) \
                + 12 * (level - 1) + rng.normal(0, 9)
            if engine[i] == "rotor":
                horsepower = 101 + rng.normal(0, 15)
            horsepower = int(np.clip(round(horsepower), 48, 288))
            peak_rpm = int(np.clip(round((5150 - 800 * diesel + (500 if engine[i] == "rotor" else 0)
                                          + rng.normal(0, 350)) / 50) * 50, 4150, 6600))
            compression = round(float(rng.uniform(21.0, 23.0) if diesel else
                                      (rng.uniform(7.0, 8.0) if turbo else rng.uniform(8.0, 10.5))), 2)
            bore = round(float(np.clip(3.33 + 0.0035 * (engine_size - 127) + rng.normal(0, 0.12),
                                       2.54, 3.94)), 2)
            stroke = round(float(np.clip(3.26 + rng.normal(0, 0.28), 2.07, 4.17)), 2)
            city = 25.0 * (2555 / curb_weight) ** 1.15 - 0.03 * (horsepower - 104) \
                + (4.5 if diesel else 0.0) + rng.normal(0, 1.5)
            city_mpg = int(np.clip(round(city), 13, 49))
            highway_mpg = int(np.clip(round(1.17 * city_mpg + 1.3 + rng.normal(0, 1.1)), 16, 54))
            # price before the make's own level (applied below, per make)
            price = np.exp(0.0004 * (curb_weight - 2555) + 0.0025 * (engine_size - 127)
                           + 0.0015 * (horsepower - 104) + rng.normal(0, 0.085))
            symboling = int(np.clip(round(_BODY_SYMBOLING[body[i]] - 0.6 * (level - 1)
                                          - 0.4 * size + rng.normal(0, 0.9)), -2, 3))
            losses = int(np.clip(round(122 + 18 * symboling + 10 * (level - 1)
                                       + rng.normal(0, 24)), 65, 256))
            doors = "two" if body[i] in ("convertible", "hardtop") else \
                "four" if body[i] in ("sedan", "wagon") else ("two" if rng.random() < 0.75 else "four")
            if body[i] == "sedan" and rng.random() < 0.15:
                doors = "two"
            fuel_system = (
                "idi" if diesel else
                "mpfi" if level >= 1.1 or engine_size >= 140 or engine[i] in ("dohc", "ohcf", "dohcv") and level > 0.9 else
                "4bbl" if engine[i] == "rotor" and rng.random() < 0.5 else
                "spdi" if turbo else
                "1bbl" if engine_size < 95 and rng.random() < 0.4 else
                "2bbl")
            rows.append({
                "symboling": symboling,
                "normalized-losses": np.nan if i in missing_losses else float(losses),
                "make": make,
                "fuel-type": "diesel" if diesel else "gas",
                "aspiration": "turbo" if turbo else "std",
                "num-of-doors": doors,
                "body-style": body[i],
                "drive-wheels": drive[i],
                "engine-location": "front",
                "wheel-base": wheel_base,
                "length": length,
                "width": width,
                "height": height,
                "curb-weight": curb_weight,
                "engine-type": engine[i],
                "num-of-cylinders": cyl[i],
                "engine-size": engine_size,
                "fuel-system": fuel_system,
                "bore": np.nan if engine[i] == "rotor" else bore,
                "stroke": np.nan if engine[i] == "rotor" else stroke,
                "compression-ratio": compression,
                "horsepower": np.nan if make == "renault" else float(horsepower),
                "peak-rpm": np.nan if make == "renault" else float(peak_rpm),
                "city-mpg": city_mpg,
                "highway-mpg": highway_mpg,
                "price": float(price),
            })
    df = pd.DataFrame(rows, columns=COLUMNS)
    # each make's mean price as in the reference table
    factor = df["make"].map(MEAN_PRICE) / df.groupby("make")["price"].transform("mean")
    df["price"] = (df["price"] * factor).round().clip(5118, 45400)
    # the rear-engined cars, the cars without a listed price and those without door counts
    porsche = df.index[df["make"] == "porsche"]
    df.loc[porsche[:3], "engine-location"] = "rear"
    for make, k in (("audi", 1), ("isuzu", 2), ("porsche", 1)):
        df.loc[df.index[df["make"] == make][-k:], "price"] = np.nan
    for make in ("dodge", "mazda"):
        idx = df.index[(df["make"] == make) & (df["body-style"] == "sedan")]
        df.loc[idx[0], "num-of-doors"] = None
    return df


def main(argv=None) -> Path:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else Path(__file__).with_name("automobile_price_data_raw.csv")
    generate().to_csv(out, index=False, lineterminator="\n")
    return out


if __name__ == "__main__":
    print(main())
