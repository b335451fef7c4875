from notify_pyramid.dao.api_keys import (
    dao_fetch_api_key,
    dao_fetch_api_keys,
    dao_revoke_api_key,
)
from tests import factories


def test_revoking_sets_expiry_once(dbsession, sample_service):
    api_key, _ = factories.create_api_key(dbsession, sample_service)
    dao_revoke_api_key(dbsession, api_key)
    first = api_key.expiry_date
    dao_revoke_api_key(dbsession, api_key)
    assert first is not None
    assert api_key.expiry_date == first
    assert api_key.revoked


def test_keys_are_listed_per_service(dbsession, sample_service):
    mine, _ = factories.create_api_key(dbsession, sample_service)
    other_service = factories.create_service(dbsession)
    theirs, _ = factories.create_api_key(dbsession, other_service)

    assert dao_fetch_api_keys(dbsession, sample_service.id) == [mine]
    assert dao_fetch_api_key(dbsession, sample_service.id, theirs.id) is None
