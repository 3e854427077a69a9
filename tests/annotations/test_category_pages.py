"""The category pages: every active category with its guidelines, in a bounded number of queries."""

from django.urls import reverse

from tests.factories import category


def test_the_categories_page_query_count_is_bounded(client_for, user, django_assert_max_num_queries):
    client = client_for(user)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("category-list"))
    assert response.status_code == 200
    assert response.content.decode().count('class="guidelines"') >= 8


def test_edited_guidelines_show_at_once_on_every_page(client_for, user):
    open_qa = category("open_qa")
    client = client_for(user)
    pages = [reverse("category-list"), reverse("category-detail", kwargs={"key": "open_qa"})]
    for version in ("Answer **briefly**.", "Answer *at length*."):
        open_qa.guidelines = version
        open_qa.save()
        expected = "<strong>briefly</strong>" if "briefly" in version else "<em>at length</em>"
        for page in pages:
            assert expected in client.get(page).content.decode()
