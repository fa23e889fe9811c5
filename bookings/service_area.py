"""Where we cook and how far it is: the service area ZIP table and the travel distance from the Fremont base.

The table (`bookings/data/service_area_zips.csv`: zip, city, latitude, longitude) lists the residential ZIPs of the
nine Bay Area counties (San Jose included) and of the Sacramento area (Sacramento and Yolo counties and the Placer
and El Dorado suburbs within 30 miles of downtown Sacramento). A ZIP that is not in it is outside the service area.
Coordinates are ZIP centroids, so every distance here is an estimate of where the event is. The rows were taken
from the data of the MIT-licensed `zipcodes` package (3.0.0; standard, active ZIPs only) and are edited by hand now.
"""

from __future__ import annotations

import csv
import functools
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured, ValidationError

from .exceptions import ServiceAreaError

ZIP_TABLE = Path(__file__).resolve().parent / "data" / "service_area_zips.csv"
BASE_ZIP = "94538"  # Fremont, CA: the handbook's base address for travel
FREE_TRAVEL_MILES = 20
EARTH_RADIUS_MILES = 3958.8  # mean radius

# What customers type for the big cities, lower-cased.
CITY_ALIASES = {
    "sf": "san francisco",
    "san fran": "san francisco",
    "the city": "san francisco",
    "sj": "san jose",
    "sac": "sacramento",
    "sacto": "sacramento",
}

_ZIP_RE = re.compile(r"^(\d{5})(?:-\d{4})?$")
_STATE_SUFFIX_RE = re.compile(r"[,\s]+(ca|calif|california)\.?$")


@dataclass(frozen=True)
class ZipArea:
    zip: str
    city: str
    latitude: float
    longitude: float


@functools.cache
def service_area() -> dict[str, ZipArea]:
    """The ZIP table, read once per process. Treat the returned dict as read-only."""
    areas: dict[str, ZipArea] = {}
    with ZIP_TABLE.open(newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                area = ZipArea(row["zip"].strip(), row["city"].strip(), float(row["latitude"]), float(row["longitude"]))
            except (KeyError, TypeError, ValueError) as exc:
                raise ImproperlyConfigured(f"{ZIP_TABLE} line {line} is not zip,city,lat,lon: {exc}") from exc
            if not _ZIP_RE.match(area.zip) or area.zip in areas:
                raise ImproperlyConfigured(f"{ZIP_TABLE} line {line}: {area.zip!r} is not a new 5-digit ZIP.")
            areas[area.zip] = area
    if BASE_ZIP not in areas:
        raise ImproperlyConfigured(f"The base ZIP {BASE_ZIP} is missing from {ZIP_TABLE}.")
    return areas


@functools.cache
def _zips_by_city() -> dict[str, str]:
    """City name (lower case) -> the ZIP whose centroid is nearest the mean of that city's ZIP centroids."""
    groups: dict[str, list[ZipArea]] = {}
    for area in service_area().values():
        groups.setdefault(area.city.lower(), []).append(area)
    representative = {}
    for city, areas in groups.items():
        lat = sum(a.latitude for a in areas) / len(areas)
        lon = sum(a.longitude for a in areas) / len(areas)
        representative[city] = min(areas, key=lambda a: ((a.latitude - lat) ** 2 + (a.longitude - lon) ** 2, a.zip)).zip
    return representative


def normalize_zip(raw) -> str:
    """The 5-digit ZIP of "94538" or "94538-1234"; ValidationError naming zip_code for anything else."""
    match = _ZIP_RE.match(str(raw if raw is not None else "").strip())
    if not match:
        raise ValidationError({"zip_code": ValidationError(f"{raw!r} is not a ZIP code.", code="invalid")})
    return match.group(1)


def zip_area(zip_code) -> ZipArea:
    """The table row of a ZIP; ServiceAreaError when we do not serve it."""
    zip_code = normalize_zip(zip_code)
    try:
        return service_area()[zip_code]
    except KeyError:
        raise ServiceAreaError(zip_code=zip_code) from None


def zip_for_city(city: str) -> str:
    """A representative ZIP for a city name (case-insensitive, ", CA" optional), for when the customer gives no ZIP."""
    name = _STATE_SUFFIX_RE.sub("", " ".join(str(city or "").split()).lower()).strip()
    name = CITY_ALIASES.get(name, name)
    try:
        return _zips_by_city()[name]
    except KeyError:
        raise ServiceAreaError(city=str(city)) from None


def haversine_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in miles between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(h))


def distance_miles(zip_code) -> float:
    """Straight-line (great-circle) miles from the base ZIP's centroid to the event ZIP's centroid.

    This is not a driving distance: roads are longer (Fremont to downtown Oakland is ~25 miles straight, ~30 by
    road). The business charges on this figure because it is stable and needs no routing service.
    """
    base, event = service_area()[BASE_ZIP], zip_area(zip_code)
    return haversine_miles(base.latitude, base.longitude, event.latitude, event.longitude)


def travel_miles(zip_code) -> int:
    """`distance_miles` rounded UP to a whole mile (19.2 -> 20, 20.5 -> 21); the figure travel is charged on."""
    return math.ceil(round(distance_miles(zip_code), 6))  # round first so float noise cannot add a mile


def travel_fee(*, miles: int, per_mile: Decimal) -> Decimal:
    """The travel charge for a one-way distance in whole miles.

    Free within FREE_TRAVEL_MILES (20) of the base, inclusive; beyond that `per_mile` for each mile past 20, charged
    one way only: 20 miles -> 0, 21 miles -> 1 x per_mile, 30 miles -> 10 x per_mile.
    """
    return max(int(miles) - FREE_TRAVEL_MILES, 0) * Decimal(per_mile)
