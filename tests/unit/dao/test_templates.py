from notify_pyramid.dao.templates import (
    dao_fetch_template,
    dao_fetch_template_version,
    dao_fetch_templates,
    dao_update_template,
)
from tests import factories


def test_new_template_is_version_one_with_history(dbsession, sample_service):
    template = factories.create_template(dbsession, sample_service)
    assert template.version == 1
    history = dao_fetch_template_version(
        dbsession, sample_service.id, template.id, 1
    )
    assert history.content == template.content


def test_each_edit_is_a_new_version_and_old_ones_stay(
    dbsession, sample_service
):
    template = factories.create_template(
        dbsession, sample_service, content="first"
    )
    dao_update_template(dbsession, template, content="second")
    dao_update_template(dbsession, template, content="third")

    assert template.version == 3
    versions = [
        dao_fetch_template_version(
            dbsession, sample_service.id, template.id, n
        ).content
        for n in (1, 2, 3)
    ]
    assert versions == ["first", "second", "third"]


def test_template_of_another_service_is_not_found(dbsession, sample_service):
    other = factories.create_service(dbsession)
    template = factories.create_template(dbsession, other)
    assert (
        dao_fetch_template(dbsession, sample_service.id, template.id) is None
    )


def test_listing_skips_archived_and_filters_by_type(dbsession, sample_service):
    sms = factories.create_template(dbsession, sample_service, name="a")
    email = factories.create_template(
        dbsession, sample_service, "email", name="b"
    )
    archived = factories.create_template(dbsession, sample_service, name="c")
    dao_update_template(dbsession, archived, archived=True)

    assert dao_fetch_templates(dbsession, sample_service.id) == [sms, email]
    assert dao_fetch_templates(dbsession, sample_service.id, "email") == [
        email
    ]
