from rest_framework.routers import SimpleRouter

from .api import OpenInstructionViewSet

router = SimpleRouter(use_regex_path=False)
router.register("open-instructions", OpenInstructionViewSet, basename="open-instruction")

urlpatterns = router.urls
