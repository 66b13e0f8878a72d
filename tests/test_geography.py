"""The geography: both regional structures, STPs, placement providers and LWABs in the catalogue."""

from __future__ import annotations

import shutil

import pytest

from heenb.data.catalogue import load_catalogue
from heenb.errors import DataValidationError, ParameterError
from heenb.paths import REFERENCE_DIR

#: HEE's 2017 regions and their local offices (the grouping most often stated; derived).
HEE_REGIONS = {
    "HEE-N": ("North", ["NE", "YH", "NW"]),
    "HEE-ME": ("Midlands and East", ["EM", "WM", "EOE"]),
    "HEE-LSE": ("London and South East", ["NCEL", "NWL", "SL", "KSS"]),
    "HEE-S": ("South", ["TV", "WX", "SW"]),
}


@pytest.fixture
def reference(tmp_path):
    """A writable copy of data/reference."""
    directory = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, directory)
    return directory


def append(path, *lines):
    with path.open("a", encoding="utf-8") as handle:
        handle.writelines(f"{line}\n" for line in lines)


# --------------------------------------------------------------------------- two structures


def test_the_catalogue_has_both_regional_structures(catalogue):
    assert list(catalogue.structures["structure"]) == ["nhse-7-regions", "hee-2017-regions"]
    assert catalogue.structures.set_index("structure").at["hee-2017-regions", "status"] == (
        "derived"
    )


@pytest.mark.parametrize(("code", "expected"), list(HEE_REGIONS.items()))
def test_hee_2017_regions_group_the_thirteen_local_offices(catalogue, code, expected):
    name, offices = expected
    area = catalogue.area(code)
    assert (area["name"], area["level"], area["structure"]) == (
        name, "hee_region", "hee-2017-regions",
    )  # fmt: skip
    assert catalogue.offices_in(code) == offices


def test_the_hee_mapping_is_marked_derived_and_the_nhse_one_published(catalogue):
    mappings = catalogue.region_mappings
    status = mappings.groupby("structure")["status"].agg(set).to_dict()
    assert status == {"hee-2017-regions": {"derived"}, "nhse-7-regions": {"published"}}
    assert sorted(catalogue.regions_in("hee-2017-regions").index) == sorted(
        catalogue.local_offices["local_office_code"]
    )


def test_the_regions_and_areas_of_the_structure_in_use_are_unchanged(catalogue):
    assert list(catalogue.regions["region_code"]) == [f"Y{n}" for n in (56, 58, 59, 60, 61, 62, 63)]
    assert len(catalogue.areas) == 20


def test_every_area_code_names_one_area(catalogue):
    geography = catalogue.geography
    assert geography["area_code"].is_unique
    assert geography["level"].value_counts().to_dict() == {
        "provider": 137, "stp": 44, "local_office": 13, "region": 7, "hee_region": 4,
    }  # fmt: skip


def test_the_hee_structure_can_be_the_structure_in_use():
    catalogue = load_catalogue(structure="hee-2017-regions")
    assert list(catalogue.regions["region_code"]) == list(HEE_REGIONS)
    assert catalogue.area("HEE-S")["level"] == "region"
    assert catalogue.area("Y60")["level"] == "nhse_region"
    assert catalogue.area("EM")["region_code"] == "HEE-ME"


# --------------------------------------------------------------------------- STPs, providers


def test_there_are_44_stps_with_their_ons_codes_each_in_one_local_office(catalogue):
    stps = catalogue.stps
    assert list(stps["stp_code"]) == [f"E540000{n:02d}" for n in range(5, 49)]
    assert set(stps["local_office_code"]) == set(catalogue.local_offices["local_office_code"])
    assert set(stps["local_office_status"]) == {"derived"}
    assert not stps["name"].str.contains("\xa0").any()


@pytest.mark.parametrize(
    ("stp", "office"),
    [("E54000008", "NW"), ("E54000027", "NWL"), ("E54000028", "NCEL"), ("E54000031", "SL"),
     ("E54000044", "TV"), ("E54000047", "NE"), ("E54000014", "EM"), ("E54000042", "WX")],
)  # fmt: skip
def test_an_stp_sits_in_the_local_office_of_its_geography(catalogue, stp, office):
    assert catalogue.office_of_stp[stp] == office


def test_an_stp_area_is_named_as_an_stp(catalogue):
    area = catalogue.area("E54000008")
    assert area["name"] == "Cheshire and Merseyside STP"
    assert (area["level"], area["local_office_code"], area["region_code"]) == ("stp", "NW", "Y62")


def test_there_are_137_providers_each_in_one_stp(catalogue):
    providers = catalogue.providers
    assert len(providers) == 137
    assert providers["provider_code"].is_unique
    assert set(providers["stp_code"]) == set(catalogue.stps["stp_code"])
    assert catalogue.area("RBL")["stp_code"] == "E54000008"
    assert catalogue.area("RBL")["local_office_code"] == "NW"


def test_areas_list_their_stps_and_providers(catalogue):
    assert catalogue.stps_in("NWL") == ["E54000027"]
    assert sorted(catalogue.providers_in("E54000027")) == ["R1K", "RAS", "RQM", "RYJ"]
    assert len(catalogue.providers_in("HEE-N")) == sum(
        len(catalogue.providers_in(o)) for o in ("NE", "YH", "NW")
    )


def test_an_unknown_stp_code_suggests_the_closest(catalogue):
    with pytest.raises(ParameterError, match="Did you mean 'E54000048'"):
        catalogue.area("E5400048")


# --------------------------------------------------------------------------- refused


def test_a_provider_mapped_to_two_stps_is_refused(reference):
    append(reference / "providers.csv", "RBL,Wirral University Teaching Hospital,E54000007")
    with pytest.raises(DataValidationError) as caught:
        load_catalogue(directory=reference)
    message = str(caught.value)
    assert "providers.csv, row 139, column 'provider_code'" in message
    assert "'RBL' is mapped to another stp_code 'E54000007' here and to 'E54000008'" in message


def test_an_stp_in_an_unknown_local_office_is_refused(reference):
    path = reference / "stps.csv"
    path.write_text(path.read_text().replace("Cheshire and Merseyside,NW,", "Cheshire and "
                                             "Merseyside,NWX,"))  # fmt: skip
    with pytest.raises(DataValidationError, match=r"stps.csv, row 5, column 'local_office_code': "
                       r"'NWX' is not a known code .*Did you mean '"):  # fmt: skip
        load_catalogue(directory=reference)


def test_a_local_office_mapped_twice_in_a_structure_is_refused(reference):
    append(reference / "region_mappings.csv", "hee-2017-regions,EM,HEE-N,derived")
    with pytest.raises(DataValidationError, match="'EM' is mapped to another region_code"):
        load_catalogue(directory=reference)


def test_a_code_naming_two_areas_is_refused(reference):
    append(reference / "regions.csv", "EM,Another East Midlands,hee-2017-regions,,")
    with pytest.raises(DataValidationError, match="code 'EM' is also used in local_offices.csv"):
        load_catalogue(directory=reference)


# --------------------------------------------------------------------------- LWABs


def test_the_lwab_file_is_a_header_only(catalogue):
    assert catalogue.lwab_stps.empty
    assert list(catalogue.lwab_stps.columns) == ["lwab_code", "name", "stp_code"]


def test_an_lwab_mapping_is_accepted_as_reference_data(reference):
    append(reference / "lwab_stps.csv", "LW01,Test LWAB,E54000007", "LW01,Test LWAB,E54000008")
    catalogue = load_catalogue(directory=reference)
    assert catalogue.area("LW01")["level"] == "lwab"
    assert catalogue.stps_in("LW01") == ["E54000007", "E54000008"]


def test_an_lwab_naming_an_unknown_stp_or_an_stp_twice_is_refused(reference):
    append(reference / "lwab_stps.csv", "LW01,Test LWAB,E54000099", "LW01,Test LWAB,E54000007",
           "LW02,Other LWAB,E54000007")  # fmt: skip
    with pytest.raises(DataValidationError) as caught:
        load_catalogue(directory=reference)
    message = str(caught.value)
    assert "lwab_stps.csv, row 2, column 'stp_code': 'E54000099' is not a known code" in message
    assert "lwab_stps.csv, row 4, column 'stp_code': 'E54000007' is mapped to another" in message
