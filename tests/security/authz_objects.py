"""The objects the authorisation matrix points its URLs at, and the URL arguments for each route."""

from django.contrib.auth.models import Group

from accounts.services import api_key_create
from annotations.models import OpenInstruction, Status
from datasets import services as dataset_services
from datasets.models import ImportBatch, Release
from datasets.options import ExportOptions
from datasets.webhooks import services as webhook_services
from tests.factories import AdminFactory, DemonstrationFactory, ReviewerFactory, UserFactory, category
from tests.leaderboard.conftest import make_contest

ROLES = ["anonymous", "contributor", "other_contributor", "reviewer", "admin", "reader"]

# Which object a route's id points at; routes not listed take the contributor's draft.
TARGET = {
    "review-open": "submitted",
    "review-decide": "submitted",
    "review-skip": "submitted",
    "review-edit": "submitted",
    "review-compare": "submitted",
    "review-reject-duplicate": "submitted",
    "review-reopen": "approved",
    "api:review-skip": "submitted",
    "api:demonstration-review": "submitted",
    "api:demonstration-reopen": "approved",
    "api:demonstration-reviews": "submitted",
    "api:export-detail": "release",
    "api:export-retry": "release",
    "api:export-download": "release",
    "api:export-archive": "release",
    "api:export-latest": "release",
    "datasets:release-detail": "release",
    "datasets:release-status": "release",
    "datasets:release-retry": "release",
    "datasets:release-download": "release",
    "datasets:import-detail": "batch",
    "datasets:import-confirm": "batch",
    "datasets:import-status": "batch",
    "api:webhook-detail": "webhook",
    "api:webhook-test": "webhook",
    "api:webhook-deliveries": "webhook",
    "api:webhook-redeliver": "delivery",
    "datasets:webhook-detail": "webhook",
    "datasets:webhook-test": "webhook",
    "datasets:webhook-deactivate": "webhook",
    "datasets:webhook-redeliver": "delivery",
    "api:open-instruction-detail": "open_instruction",
    "api:open-instruction-answer": "open_instruction",
    "open-instruction-answer": "open_instruction",
    "open-instruction-withdraw": "open_instruction",
    "open-instruction-autosave": "open_instruction",
    "review-undo": "submitted",
    "api:review-undo": "submitted",
}


class World:
    """One of each thing, owned by the contributor ``alice`` unless said otherwise."""

    def __init__(self, route=None):
        self.users = {
            "anonymous": None,
            "contributor": UserFactory(username="alice"),
            "other_contributor": UserFactory(username="mallory"),
            "reviewer": ReviewerFactory(username="rita"),
            "admin": AdminFactory(username="ada"),
            "reader": None,  # a machine: sends its dataset-reader key instead of signing in
        }
        self.api_key, self.reader_key = api_key_create(name="training job", created_by=self.users["admin"])
        Group.objects.get_or_create(name="reviewer")[0].user_set.add(self.users["admin"])
        alice = self.users["contributor"]
        self.objects = {
            "draft": DemonstrationFactory(author=alice, status=Status.DRAFT),
            "submitted": DemonstrationFactory(author=alice, status=Status.SUBMITTED),
            "approved": DemonstrationFactory(author=alice, status=Status.APPROVED),
            "open_instruction": OpenInstruction.objects.create(
                author=alice,
                category=category("open_qa"),
                instruction="Who invented the telescope?",
            ),
            "batch": ImportBatch.objects.create(
                source_name="x.jsonl",
                author=self.users["admin"],
                created_by=self.users["admin"],
                target_status="approved",
                status=ImportBatch.State.INVALID,
            ),
        }
        self.objects["webhook"] = webhook_services.webhook_endpoint_create(
            url="https://training.example.com/hook",
            secret="a-secret-of-sixteen-or-more",
            events=["release.published"],
            created_by=self.users["admin"],
        )
        self.objects["delivery"] = webhook_services.webhook_test_send(endpoint=self.objects["webhook"])
        if route is None or TARGET.get(route) == "release":
            release = dataset_services.release_create(created_by=self.users["admin"], options=ExportOptions())
            dataset_services.release_build(release.pk)
            release.refresh_from_db()
            assert release.status == Release.State.DONE, release.error
            self.objects["release"] = release
        self.contest = make_contest(slug="spring")

    def client(self, role, client_class):
        """A test client acting as ``role``: signed in, or (the reader) sending its API key."""
        if role == "reader":
            return client_class(HTTP_AUTHORIZATION=f"Api-Key {self.reader_key}")
        client = client_class()
        if self.users[role] is not None:
            client.force_login(self.users[role])
        return client

    def kwargs(self, route, pattern_kwargs):
        values = {}
        target = self.objects[TARGET.get(route, "draft")]
        for name in pattern_kwargs:
            if name in ("public_id", "id"):
                values[name] = target.public_id
            elif name == "pk" and route == "api-key-revoke":
                values[name] = self.api_key.pk
            elif name == "slug":
                values[name] = self.contest.slug
            elif name == "key":
                values[name] = "open_qa"
            elif name == "chart_id":
                values[name] = "per-day" if route == "dashboard-data" else "mine-categories"
            elif name == "token":
                values[name] = "not-a-valid-confirmation-link"
            elif name in ("file", "name"):
                values[name] = "data.jsonl"
            else:
                raise KeyError(f"no value for <{name}> in {route}: add one to tests/security/authz_objects.py")
        return values
