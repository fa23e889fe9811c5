"""The service area table, straight-line distances from Fremont 94538 and the travel fee rule."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from bookings import service_area
from bookings.exceptions import ServiceAreaError

# Great-circle miles from 94538 (37.5308, -121.9712) to each ZIP centroid, worked out with the haversine formula
# (R = 3958.8 mi) from the table's coordinates, and the whole miles (rounded up) travel is charged on.
DISTANCES = [
    ("95113", "San Jose", 14.354, 15),
    ("94605", "Oakland", 19.243, 20),
    ("94502", "Alameda", 20.509, 21),
    ("94103", "San Francisco", 29.454, 30),
    ("95814", "Sacramento", 77.061, 78),
]


def test_the_table_covers_the_three_regions_with_many_zips():
    areas = service_area.service_area()
    assert len(areas) >= 150
    cities = {area.city for area in areas.values()}
    assert cities >= {
        "Sacramento", "San Francisco", "San Jose", "Oakland", "Berkeley", "Fremont", "Hayward", "Palo Alto",
        "Mountain View", "Sunnyvale", "Santa Clara", "Walnut Creek", "San Mateo", "Redwood City", "Milpitas",
        "Pleasanton", "Livermore", "Concord", "Napa", "Elk Grove", "Roseville", "Davis",
    }


def test_the_loader_reads_the_file_once():
    assert service_area.service_area() is service_area.service_area()


def test_the_base_zip_is_fremont_at_zero_miles():
    assert service_area.zip_area("94538").city == "Fremont"
    assert service_area.distance_miles("94538") == 0
    assert service_area.travel_miles("94538") == 0


def test_haversine_one_degree_of_longitude_on_the_equator():
    assert service_area.haversine_miles(0, 0, 0, 1) == pytest.approx(69.09, abs=0.01)


@pytest.mark.parametrize(("zip_code", "city", "miles", "charged_miles"), DISTANCES)
def test_straight_line_distance_from_the_base(zip_code, city, miles, charged_miles):
    assert service_area.zip_area(zip_code).city == city
    assert service_area.distance_miles(zip_code) == pytest.approx(miles, abs=0.001)
    assert service_area.travel_miles(zip_code) == charged_miles


@pytest.mark.parametrize(
    ("miles", "fee"), [(0, "0"), (15, "0"), (20, "0"), (21, "2"), (30, "20"), (78, "116")]
)
def test_travel_is_free_within_20_miles_then_per_mile_beyond(miles, fee):
    assert service_area.travel_fee(miles=miles, per_mile=Decimal("2")) == Decimal(fee)


def test_zip_plus_four_is_accepted():
    assert service_area.zip_area("94103-1234").zip == "94103"


@pytest.mark.parametrize("raw", ["9410", "abcde", "", None, "94103-12"])
def test_a_malformed_zip_is_a_validation_error_on_zip_code(raw):
    with pytest.raises(ValidationError) as info:
        service_area.zip_area(raw)
    assert "zip_code" in info.value.message_dict
    assert not isinstance(info.value, ServiceAreaError)


def test_a_zip_outside_the_table_is_a_service_area_error_naming_it():
    with pytest.raises(ServiceAreaError) as info:
        service_area.distance_miles("90210")  # Beverly Hills
    assert isinstance(info.value, ValidationError)
    assert info.value.zip_code == "90210"
    assert "90210" in info.value.message_dict["zip_code"][0]
    assert info.value.error_dict["zip_code"][0].code == "outside_service_area"


@pytest.mark.parametrize(
    ("city", "expected_city"),
    [("Fremont", "Fremont"), ("  san JOSE ", "San Jose"), ("Walnut Creek, CA", "Walnut Creek"),
     ("SF", "San Francisco"), ("sacramento california", "Sacramento")],
)
def test_zip_for_city_is_case_insensitive_and_returns_a_zip_of_that_city(city, expected_city):
    zip_code = service_area.zip_for_city(city)
    assert service_area.zip_area(zip_code).city == expected_city


def test_zip_for_city_picks_the_zip_nearest_the_city_centre():
    assert service_area.zip_for_city("San Francisco") == "94114"
    assert service_area.zip_for_city("Milpitas") == "95035"  # a city with one ZIP


def test_zip_for_an_unknown_city_is_a_service_area_error_naming_it():
    with pytest.raises(ServiceAreaError) as info:
        service_area.zip_for_city("Los Angeles")
    assert info.value.city == "Los Angeles"
    assert "Los Angeles" in info.value.message_dict["city"][0]
