from rest_framework.routers import SimpleRouter

from .views import CategoryViewSet, DemonstrationViewSet

router = SimpleRouter(use_regex_path=False)
router.register("categories", CategoryViewSet, basename="category")
router.register("demonstrations", DemonstrationViewSet, basename="demonstration")

urlpatterns = router.urls
