from django.urls import path

from . import autosave, views

urlpatterns = [
    path("open-instructions/", views.pool, name="open-instruction-list"),
    path("open-instructions/new/", views.create, name="open-instruction-create"),
    path("open-instructions/mine/", views.mine, name="open-instruction-mine"),
    path("open-instructions/<uuid:public_id>/answer/", views.answer, name="open-instruction-answer"),
    path("open-instructions/<uuid:public_id>/autosave/", autosave.answer_autosave, name="open-instruction-autosave"),
    path("open-instructions/<uuid:public_id>/withdraw/", views.withdraw, name="open-instruction-withdraw"),
]
