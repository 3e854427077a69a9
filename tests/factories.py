import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.permissions import ADMIN_GROUP, REVIEWER_GROUP
from annotations.models import Category, Demonstration, Origin, Revision, Status


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pass-for-tests-1")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ReviewerFactory(UserFactory):
    @factory.post_generation
    def groups(obj, create, extracted, **kwargs):
        if create:
            obj.groups.add(Group.objects.get_or_create(name=REVIEWER_GROUP)[0])


class AdminFactory(UserFactory):
    is_staff = True
    is_superuser = True

    @factory.post_generation
    def groups(obj, create, extracted, **kwargs):
        if create:
            obj.groups.add(Group.objects.get_or_create(name=ADMIN_GROUP)[0])


def category(key):
    return Category.objects.get(key=key)


class DemonstrationFactory(factory.django.DjangoModelFactory):
    """A stored demonstration with its first revision, as the create service would leave it."""

    class Meta:
        model = Demonstration
        skip_postgeneration_save = True

    author = factory.SubFactory(UserFactory)
    category = factory.LazyFunction(lambda: category("open_qa"))
    instruction = factory.Sequence(lambda n: f"Question number {n}: why is the sea salty?")
    context = ""
    source_url = ""
    response = "Rivers carry dissolved minerals into the sea, and evaporation leaves the salt behind."
    status = Status.DRAFT
    origin = Origin.WEB

    @factory.post_generation
    def revision(obj, create, extracted, **kwargs):
        if create:
            Revision.objects.create(
                demonstration=obj,
                version=obj.version,
                editor=obj.author,
                category=obj.category,
                instruction=obj.instruction,
                context=obj.context,
                source_url=obj.source_url,
                response=obj.response,
            )
