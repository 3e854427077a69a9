from django.contrib.auth import views as auth_views
from django.urls import path

from . import sso_views, views

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("sso/login/", sso_views.SSOStartView.as_view(), name="sso-login"),
    path("sso/callback/", sso_views.SSOCallbackView.as_view(), name="sso-callback"),
    path("logout/", sso_views.SignOutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("signup/", views.signup, name="signup"),
    path("signup/sent/", views.signup_sent, name="signup-sent"),
    path("signup/confirm/<str:token>/", views.signup_confirm, name="signup-confirm"),
    path("token/", views.api_token, name="api-token"),
    path("api-keys/", views.api_keys, name="api-keys"),
    path("api-keys/<int:pk>/revoke/", views.api_key_revoke, name="api-key-revoke"),
]
